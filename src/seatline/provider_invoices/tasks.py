# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handler of the daily provider invoice sync (thin: the work is in `sync` and `daily`)."""

from __future__ import annotations

from typing import Any

from seatline.jobs.models import Job
from seatline.jobs.registry import PermanentJobError, job_handler
from seatline.provider_invoices import daily


@job_handler("provider_invoice_sync")
def provider_invoice_sync(job: Job) -> dict[str, Any]:
    """Without `provider_id` (the daily schedule): one child job per provider whose daily sync is on.
    With `provider_id`: sync that provider's newest invoice and e-mail the outcome."""
    provider_id = job.parameters.get("provider_id")
    if provider_id is None:
        return {"children": daily.fan_out(parent=job)}
    if not isinstance(provider_id, int):
        raise PermanentJobError("parameters.provider_id must be a provider id")
    return daily.sync_provider(provider_id, last_attempt=job.attempts >= job.max_attempts)
