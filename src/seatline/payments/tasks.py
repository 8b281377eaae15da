# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the payments app (thin: they call the services).

`charge_invoice` without an `invoice_id` is the day's collections (`dunning.run_day`: statuses,
credit, dunning rows, credit holds), which enqueues one `charge_invoice` job per invoice to
charge. With an `invoice_id` it charges that invoice; it runs outside the executor's
transaction (`atomic=False`) so the attempt and its idempotency key are committed before the
processor is called.
"""

from __future__ import annotations

from typing import Any

from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, job_handler
from seatline.payments.dunning import collect_invoice, run_day
from seatline.subscriptions.tasks import job_run_date


@job_handler("charge_invoice", atomic=False)
def charge_invoice(job: Job) -> dict[str, Any] | None:
    day = job_run_date(job)
    invoice_id = (job.parameters or {}).get("invoice_id")
    if invoice_id is None:
        summary = run_day(day=day)
        if not any(summary.values()):
            raise NotApplicable(f"no collections on {day.isoformat()}")
        return {"run_date": day.isoformat(), **summary}
    result = collect_invoice(invoice_id=int(invoice_id), day=day)
    if result.get("status") in ("not_due", "nothing_to_charge"):
        raise NotApplicable(f"invoice {invoice_id}: {result['status']}")
    return result
