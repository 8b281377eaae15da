# SPDX-License-Identifier: AGPL-3.0-or-later
"""The set-based chunk: a failing contract set aside, the per-contract fallback when the
set-based write fails, and a number of statements that does not grow with the chunk."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from tests import billing_factories as factories

from seatline import clock
from seatline.contracts.models import BillingSchedule
from seatline.errors import SeatlineError
from seatline.invoicing import chunks
from seatline.invoicing.models import Invoice, InvoiceLine
from seatline.invoicing.tests.test_tasks import run_job
from seatline.jobs.models import Job

D = dt.date
RUN = D(2018, 1, 2)


def monthly_contracts(count: int, subs: int = 2) -> list[int]:
    ids = []
    with clock.frozen(D(2018, 1, 1)):
        for n in range(count):
            contract = factories.contract(name=f"C{n}", frequency="monthly")
            for s in range(subs):
                factories.subscription(contract, name=f"Plan {s}", quantity=1 + n % 5, price=Decimal("12.50"))
            ids.append(contract.pk)
    return ids


def run(ids: list[int]) -> list[Any]:
    with clock.frozen(RUN), transaction.atomic():
        return chunks.run_chunk(contract_ids=ids, run_date=RUN)


@pytest.mark.django_db
def test_a_contract_failing_in_planning_is_set_aside_and_the_others_are_billed(monkeypatch):
    ids = monthly_contracts(3)
    real = chunks.propose_regular

    def refuse_the_second(state, cycle, **kwargs):
        if state.terms.id == ids[1]:
            raise SeatlineError("qrb_violation", "refused for the test")
        return real(state, cycle, **kwargs)

    monkeypatch.setattr(chunks, "propose_regular", refuse_the_second)
    results = run(ids)
    assert [(r.contract_id, r.status, r.error_code) for r in results] == [
        (ids[0], "invoiced", ""),
        (ids[1], "failed", "qrb_violation"),
        (ids[2], "invoiced", ""),
    ]
    assert sorted(Invoice.objects.values_list("contract_id", "number")) == [
        (ids[0], "INV-000001"),
        (ids[2], "INV-000002"),
    ]
    assert not BillingSchedule.objects.filter(contract_id=ids[1]).exists()


@pytest.mark.django_db
def test_a_failing_set_based_write_falls_back_to_contract_by_contract(monkeypatch, caplog):
    ids = monthly_contracts(3)

    def broken(plans):
        Invoice.objects.create  # noqa: B018 - the write starts, then a constraint fails
        raise IntegrityError("duplicate key value violates unique constraint (test)")

    monkeypatch.setattr(chunks, "write_chunk", broken)
    with caplog.at_level(logging.ERROR, logger="seatline.invoicing"):
        results = run(ids)
    assert "billing them one by one" in caplog.text
    assert [(r.contract_id, r.status) for r in results] == [(pk, "invoiced") for pk in ids]
    assert list(Invoice.objects.order_by("id").values_list("contract_id", "number")) == [
        (pk, f"INV-{n:06d}") for n, pk in enumerate(ids, start=1)
    ]


@pytest.mark.django_db
def test_the_statements_of_a_chunk_do_not_grow_with_its_contracts():
    warm_up, small, large = monthly_contracts(2), monthly_contracts(3), monthly_contracts(12)
    run(warm_up)  # caches: content types, the number sequence row
    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            results = run(ids)
        assert {r.status for r in results} == {"invoiced"}
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert InvoiceLine.objects.count() == 2 * 17


@pytest.mark.django_db
def test_the_invoice_run_job_bills_through_the_set_based_chunk(monkeypatch):
    ids = monthly_contracts(4)

    def no_fallback(**kwargs):
        raise AssertionError("fell back to the per-contract path")

    monkeypatch.setattr(chunks, "run_chunk_per_contract", no_fallback)
    with clock.frozen(RUN):
        job = run_job("invoice_run", run_date=RUN.isoformat(), chunk_size=3)
    assert job.status == "succeeded"
    chunk_jobs = Job.objects.filter(job_type="invoice_run_chunk").order_by("id")
    assert [c.status for c in chunk_jobs] == ["succeeded", "succeeded"]
    assert sorted(Invoice.objects.values_list("contract_id", flat=True)) == ids
    assert Job.objects.filter(job_type="create_pdf").count() == 4
