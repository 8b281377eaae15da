# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Invoicing Run report: a CSV button with a default range, invoice numbers per contract,
read-only (no Delete, no Save)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from seatline import clock
from seatline.documents.tests import factories
from seatline.invoicing.models import InvoiceRun, InvoiceRunItem

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 1, 2, 3, 0, tzinfo=dt.UTC)


def a_run() -> tuple[InvoiceRun, str]:
    contract = factories.contract(factories.account())
    invoice = factories.issued_invoice(contract)
    run = InvoiceRun.objects.create(run_date=dt.date(2024, 1, 2), started_at=NOW, finished_at=NOW)
    item = InvoiceRunItem.objects.create(run=run, contract=contract, status="invoiced", at=NOW)
    item.invoices.add(invoice)
    return run, str(invoice)


def test_the_csv_button_downloads_the_last_30_days_with_invoice_numbers(admin_client: Client) -> None:
    run, number = a_run()
    with clock.frozen(dt.date(2024, 1, 20)):
        changelist = admin_client.get(reverse("admin:invoicing_invoicerun_changelist")).content.decode()
        export = reverse("admin:invoicing_invoicerun_export_csv")
        assert export in changelist  # the button
        response = admin_client.get(export)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="invoicing-runs-2023-12-22-2024-01-20.csv"'
    )
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("run_id,run_date")
    assert rows[1].endswith(f",invoiced,,{number}")


def test_a_refused_range_goes_back_to_the_list_with_the_reason(admin_client: Client) -> None:
    url = reverse("admin:invoicing_invoicerun_changelist")
    response = admin_client.get(
        url, {"format": "csv", "run_date_from": "2024-01-01", "run_date_to": "2024-12-31"}
    )
    assert response.status_code == 302
    page = admin_client.get(url).content.decode()
    assert "No CSV: a report covers at most 90 days." in page


def test_the_run_page_lists_invoice_numbers_and_is_read_only(admin_client: Client) -> None:
    run, number = a_run()
    page = admin_client.get(reverse("admin:invoicing_invoicerun_change", args=[run.pk]))
    html = page.content.decode()
    assert number in html
    assert 'name="_save"' not in html
    assert reverse("admin:invoicing_invoicerun_delete", args=[run.pk]) not in html
