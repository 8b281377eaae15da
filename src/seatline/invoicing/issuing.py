# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issuing draft documents: the next gapless numbers of their series, the audit records and the
follow-up jobs (the PDF; its job e-mails the document when the contract auto-sends), all in the
issuing transaction.

The number sequence row stays locked from the moment a number is taken until the transaction
commits (a rolled-back issue gives its number back). A contract run chunk bills many contracts
in one transaction, so it issues its documents together at the end (`issuing_deferred`): the
sequence is then locked only for that last step, and chunks run by other workers do their
billing in parallel instead of waiting for the lock from their first invoice on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.audit.services import AuditEntry, record_many
from seatline.common import events
from seatline.errors import SeatlineError
from seatline.invoicing.events import invoice_data
from seatline.invoicing.models import Invoice, InvoiceStatus
from seatline.invoicing.numbering import next_numbers
from seatline.jobs.registry import has_handler
from seatline.jobs.services import enqueue_many

logger = logging.getLogger("seatline.invoicing")

#: Jobs every issued document gets, when this installation has their handler (the documents
#: app handles create_pdf: it renders and stores the PDF, then e-mails the document when its
#: contract auto-sends). A type without a handler is not enqueued: the outbox holds no job
#: nothing would run.
FOLLOW_UP_JOBS: tuple[str, ...] = ("create_pdf",)

_deferred: ContextVar[list[int] | None] = ContextVar("seatline_deferred_issuing", default=None)


def issue_invoice(*, invoice: Invoice) -> Invoice:
    """Draft -> billed: the next gapless number of the invoice's series, locked in this transaction."""
    (issued,) = issue_invoices([invoice.pk], strict=True)
    return issued


def issue_or_defer(invoice: Invoice) -> Invoice:
    """Issue `invoice` now, or at the end of the enclosing `issuing_deferred()` block."""
    pending = _deferred.get()
    if pending is None:
        return issue_invoice(invoice=invoice)
    pending.append(invoice.pk)
    return invoice


@contextmanager
def issuing_deferred() -> Iterator[list[int]]:
    """Collect the documents `issue_or_defer` is given inside the block; issue them when it ends.

    Must run inside the transaction that creates them. Documents rolled back meanwhile (a
    contract's savepoint) are simply no longer there and are skipped.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("issuing_deferred must run inside the transaction that creates the documents")
    pending: list[int] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    issue_invoices(pending)


def issue_invoices(ids: Sequence[int], *, strict: bool = False) -> list[Invoice]:
    """Issue the draft invoices `ids` in id order (numbers in that order, per series).

    `strict`: an invoice that is missing or not a draft is an error (`invoice_not_draft`);
    otherwise it is skipped.
    """
    if not ids:
        return []
    with transaction.atomic():
        invoices = list(Invoice.objects.select_for_update().filter(pk__in=list(ids)).order_by("id"))
        drafts = [invoice for invoice in invoices if invoice.status == InvoiceStatus.DRAFT]
        if strict and len(drafts) != len(set(ids)):
            issued = next((i for i in invoices if i.status != InvoiceStatus.DRAFT), None)
            raise SeatlineError(
                "invoice_not_draft",
                f"invoice {issued if issued is not None else ids[0]} is already issued",
                field="invoice",
            )
        if not drafts:
            return []
        now = clock.now()
        by_series: dict[str, list[Invoice]] = {}
        for invoice in drafts:
            by_series.setdefault(invoice.series, []).append(invoice)
        for series, documents in sorted(by_series.items()):
            for invoice, (sequence, number) in zip(
                documents, next_numbers(series, len(documents)), strict=True
            ):
                invoice.sequence, invoice.number = sequence, number
        before = {invoice.pk: dict(getattr(invoice, "_audit_loaded", {})) for invoice in drafts}
        for invoice in drafts:
            invoice.status = InvoiceStatus.BILLED
            invoice.issued_at = now
            invoice.balance = invoice.total
            invoice.updated_at = now
        Invoice.objects.bulk_update(
            drafts, ["sequence", "number", "status", "issued_at", "balance", "updated_at"]
        )
        _audit_issue(drafts, before, now)
        enqueue_follow_ups(drafts)
        events.emit_many("invoice.issued", [({"invoice": invoice_data(i)}, i) for i in drafts])
    return drafts


def _audit_issue(invoices: list[Invoice], before: dict[int, dict], now: dt.datetime) -> None:
    """What `AuditedModel.save` and `record(..., "invoice_issued")` write, for many invoices at once."""
    entries: list[AuditEntry] = []
    for invoice in invoices:
        after = invoice._audit_values()
        loaded = before[invoice.pk]
        changes = {
            name: (loaded.get(name), value) for name, value in after.items() if loaded.get(name) != value
        }
        entries.append(AuditEntry(invoice, AuditEvent.UPDATE, changes))
        entries.append(
            AuditEntry(
                invoice,
                "invoice_issued",
                message=f"{invoice.number}: total {invoice.total} {invoice.currency}",
            )
        )
        invoice._audit_loaded = after
    record_many(entries, at=now)


def enqueue_follow_ups(documents: Sequence[Invoice]) -> None:
    """The follow-up jobs of issued documents (the PDF), in the issuing transaction."""
    for job_type in FOLLOW_UP_JOBS:
        if not has_handler(job_type):
            logger.debug("no %s job for %s document(s): no handler installed", job_type, len(documents))
            continue
        enqueue_many(
            job_type,
            [({"invoice_id": document.pk, "number": document.number}, document) for document in documents],
        )
