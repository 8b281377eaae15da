# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing the Invoicing Run report (`InvoiceRun` / `InvoiceRunItem`): one row per contract considered.

The report models arrive with the back-office work; until they are installed these helpers do
nothing (`start_run` returns None).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from seatline import clock
from seatline.invoicing import models
from seatline.invoicing.runs import ContractRunResult


def available() -> bool:
    return hasattr(models, "InvoiceRun") and hasattr(models, "InvoiceRunItem")


def start_run(*, run_date: dt.date, invoice_type: str, mode: str = "automatic", job: Any = None) -> Any:
    """A new InvoiceRun row (None when the report models are not installed)."""
    if not available():
        return None
    return models.InvoiceRun.objects.create(
        run_date=run_date, invoice_type=invoice_type, mode=mode, started_at=clock.now(), job=job
    )


def record_results(run: Any, results: Iterable[ContractRunResult]) -> None:
    """One InvoiceRunItem per contract result (status, reason or error, invoices)."""
    if run is None:
        return
    now = clock.now()
    for result in results:
        reason = result.reason if result.status != "failed" else f"[{result.error_code}] {result.error}"
        if result.warnings:
            reason = "; ".join([reason, *result.warnings]) if reason else "; ".join(result.warnings)
        item, _ = models.InvoiceRunItem.objects.update_or_create(
            run=run,
            contract_id=result.contract_id,
            defaults={"status": result.status, "reason": reason, "at": now},
        )
        if result.invoice_ids:
            item.invoices.set(result.invoice_ids)
    models.InvoiceRun.objects.filter(pk=run.pk).update(finished_at=now)


def get_run(run_id: int | None) -> Any:
    if not run_id or not available():
        return None
    return models.InvoiceRun.objects.filter(pk=run_id).first()
