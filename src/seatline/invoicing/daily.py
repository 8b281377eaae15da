# SPDX-License-Identifier: AGPL-3.0-or-later
"""One day's scheduled billing work, run to completion in this process.

`run_nightly(run_date=D)` is what the scheduler fires for D (billing-rules 3: scheduled-change
merges, then regular invoices by contract, then change-log invoices by contract), executed
through the job system by an embedded worker: each step is enqueued (deduplicated by date) and
run until idle before the next one is enqueued, so the order holds. `seatline simulate` calls it
once per simulated day, after that day's events.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from seatline.jobs.services import enqueue

STEPS: tuple[str, ...] = ("merge_scheduled_license_change_log", "invoice_run", "change_log_invoice_run")


def run_nightly(*, run_date: dt.date) -> None:
    from seatline.jobs.worker import Worker

    worker = Worker(name=f"nightly:{run_date.isoformat()}")
    for job_type in STEPS:
        with transaction.atomic():
            enqueue(
                job_type,
                parameters={"run_date": run_date.isoformat()},
                dedupe_key=f"nightly:{job_type}:{run_date.isoformat()}",
            )
        worker.run_until_idle()
