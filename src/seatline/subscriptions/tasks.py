# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the subscriptions app (thin: they call the services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from seatline import clock
from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, job_handler
from seatline.subscriptions.services import merge_due_scheduled_changes


def job_run_date(job: Job) -> dt.date:
    """The job's `run_date` parameter (ISO date), else today."""
    value = (job.parameters or {}).get("run_date")
    return dt.date.fromisoformat(value) if value else clock.today()


@job_handler("merge_scheduled_license_change_log")
def merge_scheduled_license_change_log(job: Job) -> dict[str, Any] | None:
    """Merge the scheduled license changes due on the run date (docs/billing.md 9)."""
    run_date = job_run_date(job)
    report = merge_due_scheduled_changes(run_date=run_date)
    if not report.merged and not report.failed:
        raise NotApplicable(f"no scheduled change due on {run_date.isoformat()}")
    return {
        "run_date": run_date.isoformat(),
        "merged": [slcl.pk for slcl in report.merged],
        "failed": {str(slcl.pk): slcl.failure_code for slcl in report.failed},
    }
