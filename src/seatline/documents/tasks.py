# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the documents app (thin: the work is in `services`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from seatline.audit.services import record
from seatline.documents import services
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler


@job_handler("create_pdf", atomic=False)
def create_pdf(job: Job) -> dict[str, Any]:
    """Render and store the PDF of an issued document (parameters.invoice_id), then e-mail it
    when its contract auto-sends. Idempotent: a stored PDF is kept as it is.

    It runs outside the executor's transaction so that rendering (the slow part, reads only)
    holds no database lock: on SQLite a write transaction would serialise every worker. Its
    writes are short transactions of their own: the document row with its audit record, then the
    e-mail with its job; a retry after a failure between them finds the row and goes on.
    """
    invoice_id = (job.parameters or {}).get("invoice_id")
    if not isinstance(invoice_id, int):
        raise PermanentJobError("the job names no document (parameters.invoice_id)")
    invoice = Invoice.objects.select_related("account", "contract").filter(pk=invoice_id).first()
    if invoice is None:
        raise PermanentJobError(f"invoice {invoice_id} no longer exists")
    if not invoice.is_issued:
        raise NotApplicable(f"{invoice} is a draft: its PDF is made when it is issued")
    document, existed = services.stored_document(invoice=invoice)
    results: dict[str, Any] = {
        "invoice": invoice.number,
        "file": document.file.name,
        "sha256": document.sha256,
        "pages": document.pages,
        "kept_existing": existed,
    }
    try:
        email = services.auto_send(invoice=invoice)
    except SeatlineError as exc:  # e.g. no billing contact: the PDF stays, the refusal is visible
        with transaction.atomic():
            record(invoice, "document_not_emailed", message=f"auto-send: [{exc.code}] {exc.message}")
        results["email"] = f"not sent: [{exc.code}] {exc.message}"
    else:
        if email is not None:
            results["email"] = {"id": email.pk, "message_id": email.message_id, "to": email.to}
    return results
