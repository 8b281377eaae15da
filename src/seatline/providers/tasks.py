# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the providers app (thin: the work is in `push` and `reminders`)."""

from __future__ import annotations

from typing import Any

from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler
from seatline.providers import push, reminders


@job_handler("sync_license_change_log")
def sync_license_change_log(job: Job) -> dict[str, Any]:
    lcl_id = job.parameters.get("lcl_id")
    if not isinstance(lcl_id, int):
        raise PermanentJobError("the job names no change log (parameters.lcl_id)")
    try:
        return push.push_change(lcl_id, last_attempt=job.attempts >= job.max_attempts)
    except push.Skip as skip:
        raise NotApplicable(str(skip)) from skip


@job_handler("manual_provider_reminder_email")
def manual_provider_reminder_email(job: Job) -> dict[str, Any]:
    provider_id = job.parameters.get("provider_id")
    if not isinstance(provider_id, int):
        raise PermanentJobError("the job names no provider (parameters.provider_id)")
    try:
        return reminders.send_reminder(provider_id)
    except reminders.NothingToRemind as nothing:
        raise NotApplicable(str(nothing)) from nothing
    except reminders.NoRecipient as missing:
        raise PermanentJobError(str(missing)) from missing
