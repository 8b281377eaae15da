# SPDX-License-Identifier: AGPL-3.0-or-later
"""One day's scheduled billing work, run to completion in this process.

`run_nightly(run_date=D)` is what the scheduler fires for D (docs/billing.md 3: scheduled-change
merges, then regular invoices by contract, then change-log invoices by contract), executed
through the job system by an embedded worker: each step is enqueued (deduplicated by date) and
run until idle before the next one is enqueued, so the order holds. `seatline simulate` calls it
once per simulated day, after that day's events.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from seatline.invoicing.runs import change_log_contract_ids, due_contract_ids
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from seatline.subscriptions.models import ScheduledLicenseChangeLog

STEPS: tuple[str, ...] = ("merge_scheduled_license_change_log", "invoice_run", "change_log_invoice_run")


def _has_due_merges(run_date: dt.date) -> bool:
    return ScheduledLicenseChangeLog.objects.filter(
        status=ScheduledLicenseChangeLog.Status.PENDING, effective_date__lte=run_date
    ).exists()


def _has_due_contracts(run_date: dt.date) -> bool:
    return bool(due_contract_ids(run_date=run_date))


def _has_change_log_contracts(run_date: dt.date) -> bool:
    return bool(change_log_contract_ids(run_date=run_date))


# A step whose job would only find nothing to do (and end Not Applicable) is not enqueued: the
# same checks the handlers make first, done without the job round trip. Days without work are
# the common case of a simulation, and this keeps a simulated year to a few seconds.
HAS_WORK = {
    "merge_scheduled_license_change_log": _has_due_merges,
    "invoice_run": _has_due_contracts,
    "change_log_invoice_run": _has_change_log_contracts,
}


def run_nightly(*, run_date: dt.date) -> None:
    worker = Worker(name=f"nightly:{run_date.isoformat()}")
    for job_type in STEPS:
        if not HAS_WORK[job_type](run_date):
            continue
        with transaction.atomic():
            enqueue(
                job_type,
                parameters={"run_date": run_date.isoformat()},
                dedupe_key=f"nightly:{job_type}:{run_date.isoformat()}",
            )
        worker.run_until_idle()
