# SPDX-License-Identifier: AGPL-3.0-or-later
"""An invoice run's documents get their PDFs through the create_pdf jobs it enqueues."""

from __future__ import annotations

import datetime as dt

import pytest
from tests import billing_factories as factories

from seatline import clock
from seatline.documents.models import DocumentFile
from seatline.invoicing.models import Invoice
from seatline.invoicing.tests.test_tasks import run_job
from seatline.jobs.models import Job

D = dt.date


@pytest.mark.django_db
def test_each_issued_invoice_gets_its_pdf_job_in_the_run_and_no_email_without_auto_send():
    contracts = [factories.contract(name=f"C{n}") for n in range(3)]
    with clock.frozen(D(2018, 1, 1)):
        for contract in contracts:
            factories.subscription(contract)
        run_job("invoice_run", run_date="2018-01-02", chunk_size=2)
    invoices = list(Invoice.objects.order_by("id"))
    assert [i.number for i in invoices] == ["INV-000001", "INV-000002", "INV-000003"]
    follow_ups = Job.objects.filter(job_type__in=["create_pdf", "send_email"]).order_by("id")
    assert sorted((j.parameters["invoice_id"], j.job_type, j.status) for j in follow_ups) == sorted(
        (i.pk, "create_pdf", "succeeded") for i in invoices
    )
    assert {(j.related, j.parameters["number"]) for j in follow_ups} == {(i, i.number) for i in invoices}
    assert sorted(DocumentFile.objects.values_list("invoice__number", flat=True)) == [
        "INV-000001",
        "INV-000002",
        "INV-000003",
    ]
