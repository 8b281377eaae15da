# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests import billing_factories as factories
from tests.billing_factories import db_state

from seatline import clock
from seatline.contracts.models import BillingContract
from seatline.invoicing import models, tasks
from seatline.invoicing.daily import run_nightly
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from seatline.subscriptions.models import ScheduledLicenseChangeLog
from seatline.subscriptions.services import change_quantity, schedule_change

D = dt.date


def run_job(job_type: str, **parameters) -> Job:
    job = enqueue(job_type, parameters=parameters)
    Worker(name="test").run_until_idle()
    job.refresh_from_db()
    return job


def nightly(day: dt.date) -> None:
    with clock.frozen(day):
        run_nightly(run_date=day)


@pytest.mark.django_db
def test_invoice_run_splits_contracts_into_chunks(monkeypatch):
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 2)
    contracts = [factories.contract(name=f"C{n}") for n in range(5)]
    with clock.frozen(D(2018, 1, 1)):
        for contract in contracts:
            factories.subscription(contract)
        job = run_job("invoice_run", run_date="2018-01-02")
    assert job.status == "succeeded"
    chunks = Job.objects.filter(job_type="invoice_run_chunk", parent=job).order_by("id")
    assert [c.parameters["contract_ids"] for c in chunks] == [
        [contracts[0].pk, contracts[1].pk],
        [contracts[2].pk, contracts[3].pk],
        [contracts[4].pk],
    ]
    assert {c.status for c in chunks} == {"succeeded"}
    assert Invoice.objects.filter(kind="regular").count() == 5
    run = models.InvoiceRun.objects.get(job=job)
    assert (run.run_date, run.invoice_type, run.mode) == (D(2018, 1, 2), "regular", "automatic")
    assert list(run.items.values_list("status", flat=True)) == ["invoiced"] * 5
    assert run.finished_at is not None
    with clock.frozen(D(2018, 1, 2)):
        again = run_job("invoice_run", run_date="2018-01-02")
    assert again.status == "not_applicable"
    assert Invoice.objects.count() == 5


@pytest.mark.django_db
def test_nightly_runs_merges_then_regular_then_change_log_invoices():
    contract = factories.contract()  # quarterly: change-log invoices weekly on Fridays
    with clock.frozen(D(2018, 1, 1)):
        sub = factories.subscription(contract)
        schedule_change(subscription=sub, effective=D(2018, 1, 3), quantity=12)
    for day in (D(2018, 1, 1), D(2018, 1, 2), D(2018, 1, 3), D(2018, 1, 4), D(2018, 1, 5)):
        nightly(day)
    assert ScheduledLicenseChangeLog.objects.get().status == "archived"
    invoices = list(Invoice.objects.order_by("id"))
    assert [(i.kind, i.generated_on, i.total) for i in invoices] == [
        ("regular", D(2018, 1, 2), Decimal("360.00")),
        ("change_log", D(2018, 1, 5), Decimal("70.45")),
    ]
    before = db_state(contract, sub)
    nightly(D(2018, 1, 5))  # a re-run bills nothing twice
    assert db_state(contract, sub)["Invoice"] == before["Invoice"]


@pytest.mark.django_db
def test_change_log_run_waits_for_the_regular_run_of_its_date():
    enqueue("invoice_run", parameters={"run_date": "2018-01-05"})
    with clock.frozen(D(2018, 1, 5)):
        waiting = enqueue("change_log_invoice_run", parameters={"run_date": "2018-01-05"})
        from seatline.jobs.execution import run_job_by_id

        run_job_by_id(waiting.pk, "test")
    waiting.refresh_from_db()
    assert waiting.status == "retry"


@pytest.mark.django_db
def test_change_log_run_reports_refusals_per_contract():
    contract = factories.contract()
    with clock.frozen(D(2018, 2, 10)):
        sub = factories.subscription(contract)
        from seatline.invoicing.services import generate_manual_invoice

        generate_manual_invoice(contract=contract, cycle_start=D(2018, 4, 1))
        change_quantity(subscription=sub, quantity=12, effective=D(2018, 4, 10))
        job = run_job("change_log_invoice_run", run_date="2018-02-16")
    assert job.status == "succeeded"
    assert job.results["failed"] == {
        str(contract.pk): "[earlier_cycle_not_invoiced] cycle starting 2018-01-01 has no regular invoice yet"
    }
    item = models.InvoiceRunItem.objects.get(run__invoice_type="change_log")
    assert item.status == "failed"


@pytest.mark.django_db
def test_merge_job_is_not_applicable_without_due_changes():
    with clock.frozen(D(2018, 1, 1)):
        job = run_job("merge_scheduled_license_change_log", run_date="2018-01-01")
    assert (job.status, job.results) == ("not_applicable", job.results)
    assert "no scheduled change due" in str(job.results)


@pytest.mark.django_db
def test_update_next_invoice_date_job():
    contract = factories.contract()
    with clock.frozen(D(2018, 1, 1)):
        first = run_job("update_next_invoice_date", contract_id=contract.pk)
        second = run_job("update_next_invoice_date", contract_id=contract.pk)
    assert first.status == "succeeded"
    assert first.results["next_invoice_date"] == "2018-01-02"
    assert BillingContract.objects.get(pk=contract.pk).next_invoice_date == D(2018, 1, 2)
    assert second.status == "not_applicable"


@pytest.mark.django_db
def test_a_resumed_run_skips_contracts_held_by_unfinished_chunks_and_reuses_the_report():
    contracts = [factories.contract(name=f"C{n}") for n in range(4)]
    with clock.frozen(D(2018, 1, 1)):
        for contract in contracts:
            factories.subscription(contract)
        first = enqueue("invoice_run", parameters={"run_date": "2018-01-02", "chunk_size": 3})
        Worker(name="test").run_once()  # the run job only: its two chunks wait
        first.refresh_from_db()
        assert first.status == "succeeded"
        # Re-enqueued (as after a crash): nothing new while the chunks are pending.
        again = run_job_only("invoice_run", run_date="2018-01-02")
        assert again.results["chunks"] == []
        assert again.results["already_in_unfinished_chunks"] == 4
        Worker(name="test").run_until_idle()
    assert Job.objects.filter(job_type="invoice_run_chunk").count() == 2
    assert Invoice.objects.filter(kind="regular").count() == 4
    run = models.InvoiceRun.objects.get()
    assert run.job_id == again.pk and run.finished_at is not None
    assert sorted(run.items.values_list("contract_id", "status")) == [(c.pk, "invoiced") for c in contracts]
    # A later pass of the same date that finds nothing due keeps the report's invoiced items.
    from seatline.invoicing import run_log
    from seatline.invoicing.runs import run_contract

    run_log.record_results(run, [run_contract(contract_id=contracts[0].pk, run_date=D(2018, 1, 2))])
    item = run.items.get(contract=contracts[0])
    assert (item.status, item.invoices.count()) == ("invoiced", 1)


def run_job_only(job_type: str, **parameters) -> Job:
    from seatline.jobs.execution import run_job_by_id

    job = enqueue(job_type, parameters=parameters)
    run_job_by_id(job.pk, "test")
    job.refresh_from_db()
    return job
