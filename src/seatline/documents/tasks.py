# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the documents app (thin: the work is in `services`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from seatline.audit.services import record
from seatline.documents import services
from seatline.documents.models import DocumentFile
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, batch_job_handler, job_handler

#: Create PDF jobs the embedded worker runs per claim (`create_pdfs`).
PDF_BATCH_SIZE = 50


def _invoice_id(job: Job) -> int:
    invoice_id = (job.parameters or {}).get("invoice_id")
    if not isinstance(invoice_id, int):
        raise PermanentJobError("the job names no document (parameters.invoice_id)")
    return invoice_id


def _checked(invoice: Invoice | None, invoice_id: int) -> Invoice:
    if invoice is None:
        raise PermanentJobError(f"invoice {invoice_id} no longer exists")
    if not invoice.is_issued:
        raise NotApplicable(f"{invoice} is a draft: its PDF is made when it is issued")
    return invoice


@job_handler("create_pdf", atomic=False)
def create_pdf(job: Job) -> dict[str, Any]:
    """Render and store the PDF of an issued document (parameters.invoice_id), then e-mail it
    when its contract auto-sends. Idempotent: a stored PDF is kept as it is.

    It runs outside the executor's transaction so that rendering (the slow part, reads only)
    holds no database lock: on SQLite a write transaction would serialise every worker. Its
    writes are short transactions of their own: the document row with its audit record, then the
    e-mail with its job; a retry after a failure between them finds the row and goes on.
    """
    invoice_id = _invoice_id(job)
    invoice = _checked(
        Invoice.objects.select_related("account", "contract").filter(pk=invoice_id).first(), invoice_id
    )
    document, existed = services.stored_document(invoice=invoice)
    return _after_stored(invoice, document, existed)


@batch_job_handler("create_pdf", size=PDF_BATCH_SIZE)
def create_pdfs(jobs: list[Job]) -> dict[int, dict[str, Any] | None | Exception]:
    """`create_pdf` for a batch of jobs (the embedded worker claims up to PDF_BATCH_SIZE at once):
    the invoices with their lines and taxes read in three queries, the PDFs rendered exactly as
    one by one, their rows committed every few documents (`services.store_documents`), then the
    auto-send of each as in `create_pdf`. Each job gets the outcome `create_pdf` would give it."""
    outcomes: dict[int, dict[str, Any] | None | Exception] = {}
    wanted: dict[int, int] = {}
    for job in jobs:
        try:
            wanted[job.pk] = _invoice_id(job)
        except PermanentJobError as exc:
            outcomes[job.pk] = exc
    invoices = Invoice.objects.select_related("account", "contract", "credited_invoice").prefetch_related(
        "lines", "taxes"
    )
    found = {invoice.pk: invoice for invoice in invoices.filter(pk__in=set(wanted.values()))}
    ready: dict[int, Invoice] = {}
    for job_id, invoice_id in wanted.items():
        try:
            ready[job_id] = _checked(found.get(invoice_id), invoice_id)
        except (PermanentJobError, NotApplicable) as exc:
            outcomes[job_id] = exc
    unique = list({invoice.pk: invoice for invoice in ready.values()}.values())
    stored = services.store_documents(invoices=unique)
    for job_id, invoice in ready.items():
        result = stored[invoice.pk]
        if isinstance(result, Exception):
            outcomes[job_id] = result
            continue
        try:
            outcomes[job_id] = _after_stored(invoice, *result)
        except Exception as exc:  # the PDF is stored; this job retries the rest
            outcomes[job_id] = exc
    return outcomes


def _after_stored(invoice: Invoice, document: DocumentFile, existed: bool) -> dict[str, Any]:
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
