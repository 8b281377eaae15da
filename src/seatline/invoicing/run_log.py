# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing the Invoicing Run report (`InvoiceRun` / `InvoiceRunItem`): one row per contract considered.

A date has one report row per invoice type: a run that is re-enqueued or resumed after a crash
(and a manual `seatline invoice-run` of the same date) continues that row instead of adding
another one, and its items are updated per contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from seatline import clock
from seatline.invoicing.models import InvoiceRun, InvoiceRunItem
from seatline.invoicing.runs import ContractRunResult
from seatline.jobs.models import UNFINISHED_STATUSES, Job


def _serialise_on(run_date: dt.date, invoice_type: str) -> None:
    """Two transactions starting the report of the same date and type take turns (PostgreSQL;
    SQLite serialises writing transactions anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"seatline.invoice_run:{invoice_type}:{run_date.isoformat()}"],
            )


def start_run(
    *, run_date: dt.date, invoice_type: str, mode: str = "automatic", job: Any = None
) -> InvoiceRun:
    """The report row of `run_date` and `invoice_type`: the existing one (reopened, now owned by
    `job`) or a new one. Its mode stays the one of the run that created it."""
    with transaction.atomic():
        _serialise_on(run_date, invoice_type)
        run = InvoiceRun.objects.filter(run_date=run_date, invoice_type=invoice_type).order_by("-id").first()
        if run is None:
            return InvoiceRun.objects.create(
                run_date=run_date, invoice_type=invoice_type, mode=mode, started_at=clock.now(), job=job
            )
        run.finished_at = None
        if job is not None:
            run.job = job
        run.save(update_fields=["finished_at", "job", "updated_at"])
        return run


def record_results(
    run: InvoiceRun | None, results: Iterable[ContractRunResult], *, job: Job | None = None
) -> None:
    """One InvoiceRunItem per contract result (status, reason or error, invoices).

    A contract already reported invoiced in this run stays invoiced (a later pass that finds
    nothing due, or fails, does not hide the invoices it got); new invoices are added to it. The
    run is marked finished when no other chunk job of it is left unfinished.
    """
    if run is None:
        return
    run = InvoiceRun.objects.select_for_update().get(pk=run.pk)
    now = clock.now()
    results = list(results)
    existing = {
        item.contract_id: item
        for item in InvoiceRunItem.objects.filter(run=run, contract_id__in=[r.contract_id for r in results])
    }
    new_items: list[InvoiceRunItem] = []
    links: list[tuple[int, int]] = []  # (contract id, invoice id)
    for result in results:
        reason = result.reason if result.status != "failed" else f"[{result.error_code}] {result.error}"
        if result.warnings:
            reason = "; ".join([reason, *result.warnings]) if reason else "; ".join(result.warnings)
        item = existing.get(result.contract_id)
        links.extend((result.contract_id, pk) for pk in result.invoice_ids)
        if item is None:
            new_items.append(
                InvoiceRunItem(
                    run=run, contract_id=result.contract_id, status=result.status, reason=reason, at=now
                )
            )
        elif item.status != InvoiceRunItem.Status.INVOICED or result.status == InvoiceRunItem.Status.INVOICED:
            item.status, item.reason, item.at = result.status, reason, now
            item.save(update_fields=["status", "reason", "at"])
    InvoiceRunItem.objects.bulk_create(new_items)
    if links:
        item_ids = dict(
            InvoiceRunItem.objects.filter(run=run, contract_id__in={c for c, _ in links}).values_list(
                "contract_id", "id"
            )
        )
        through = InvoiceRunItem.invoices.through
        through.objects.bulk_create(
            [through(invoicerunitem_id=item_ids[c], invoice_id=pk) for c, pk in links], ignore_conflicts=True
        )
    unfinished = Job.objects.filter(
        job_type="invoice_run_chunk", status__in=UNFINISHED_STATUSES, parameters__invoice_run_id=run.pk
    )
    if job is not None:
        unfinished = unfinished.exclude(pk=job.pk)
    if not unfinished.exists():
        InvoiceRun.objects.filter(pk=run.pk).update(finished_at=now)


def get_run(run_id: int | None) -> InvoiceRun | None:
    if not run_id:
        return None
    return InvoiceRun.objects.filter(pk=run_id).first()
