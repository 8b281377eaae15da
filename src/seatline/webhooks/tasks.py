# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handler: `send_webhook` (one delivery; retried with the job system's backoff)."""

from __future__ import annotations

from typing import Any

from seatline.jobs.models import Job
from seatline.jobs.registry import PermanentJobError, job_handler, register_job_type
from seatline.webhooks.services import JOB_TYPE, JOB_TYPE_NAME, deliver

register_job_type(JOB_TYPE, JOB_TYPE_NAME)


@job_handler(JOB_TYPE)
def send_webhook(job: Job) -> dict[str, Any]:
    try:
        delivery_id = int(job.parameters["delivery_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobError("the job has no delivery_id parameter") from exc
    return deliver(
        delivery_id=delivery_id, attempt=job.attempts, last_attempt=job.attempts >= job.max_attempts
    )
