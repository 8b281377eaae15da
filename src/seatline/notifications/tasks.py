# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the notifications app (thin: the work is in `delivery`)."""

from __future__ import annotations

from typing import Any

from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler
from seatline.notifications import delivery
from seatline.notifications.models import OutgoingEmail


@job_handler("send_email", atomic=False)
def send_email(job: Job) -> dict[str, Any]:
    """Send one logged e-mail (parameters.email_id). Runs outside the executor's transaction:
    the e-mail's "sending" mark commits before the SMTP conversation (see `delivery`)."""
    email_id = (job.parameters or {}).get("email_id")
    if not isinstance(email_id, int):
        raise PermanentJobError("the job names no e-mail (parameters.email_id)")
    if not OutgoingEmail.objects.filter(pk=email_id).exists():
        raise PermanentJobError(f"e-mail {email_id} no longer exists")
    try:
        return delivery.deliver(email_id, job_id=job.pk, last_attempt=job.attempts >= job.max_attempts)
    except delivery.AlreadySent as done:
        raise NotApplicable(f"already sent: {done}") from done
    except (delivery.DeliveryUnconfirmed, delivery.AttachmentChanged) as stop:
        raise PermanentJobError(str(stop)) from stop
