# SPDX-License-Identifier: AGPL-3.0-or-later
"""Documents: render an issued document's PDF once, store it, hand out the same bytes, e-mail it.

* `render_document(invoice=)` -- the stored PDF of an issued document; rendered and stored the
  first time (the `create_pdf` job, or a download that comes first), returned unchanged after.
  Two renderings racing each other produce the same bytes (the output is deterministic) and the
  database keeps one row (unique per invoice).
* `document_bytes(document=)` -- the stored bytes, checked against the SHA-256 kept on the row.
* `preview_pdf(invoice=)` -- a draft's PDF made on the fly (marked DRAFT, never stored).
* `send_document(invoice=, trigger=)` -- the invoice / credit note e-mail with the PDF attached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import translation

from seatline import clock
from seatline.audit.services import AuditEntry, record, record_many
from seatline.common.languages import text_language
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract
from seatline.documents.content import RENDERER, document_content
from seatline.documents.formatting import Formatter
from seatline.documents.models import CompanyProfile, DocumentFile
from seatline.documents.pdf import RenderedPdf, render_pdf
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceKind
from seatline.notifications.models import EmailTrigger, OutgoingEmail
from seatline.notifications.services import Attachment, send

logger = logging.getLogger("seatline.documents")

DOCUMENT_TEMPLATES = {InvoiceKind.CREDIT_NOTE: "credit_note_issued"}
INVOICE_TEMPLATE = "invoice_issued"

#: Functions that return the online payment link of an invoice (None: they offer none). A
#: payments feature registers one in its AppConfig.ready(); the first non-empty link is used.
paynow_url_providers: list[Callable[[Invoice], str | None]] = []


def storage_name(invoice: Invoice, sha256: str) -> str:
    """Where a document's PDF is stored: by series and year, named by number and content hash."""
    year = invoice.invoice_date.year
    return f"documents/{invoice.series}/{year}/{invoice.number}-{sha256[:16]}.pdf"


def _issued(invoice: Invoice) -> Invoice:
    if not invoice.is_issued:
        raise SeatlineError(
            "invoice_not_issued",
            f"{invoice} is a draft: only issued documents have a stored PDF (use the preview)",
            field="invoice",
        )
    return invoice


def render(invoice: Invoice) -> RenderedPdf:
    """The PDF of `invoice` as it is now (not stored)."""
    return render_pdf(document_content(invoice))


def render_document(*, invoice: Invoice) -> DocumentFile:
    """The stored PDF of an issued document, rendered and stored when it has none yet."""
    return stored_document(invoice=invoice)[0]


def stored_document(*, invoice: Invoice) -> tuple[DocumentFile, bool]:
    """(the stored PDF, whether it existed before this call); see `render_document`."""
    existing = DocumentFile.objects.filter(invoice_id=invoice.pk).first()
    if existing is not None:
        return existing, True
    _issued(invoice)
    rendered = render(invoice)
    digest = hashlib.sha256(rendered.data).hexdigest()
    name = storage_name(invoice, digest)
    if not default_storage.exists(name):  # content-addressed: an existing file has these bytes
        name = default_storage.save(name, ContentFile(rendered.data))
    try:
        with transaction.atomic():
            document = DocumentFile.objects.create(
                invoice=invoice,
                file=name,
                sha256=digest,
                size=len(rendered.data),
                pages=rendered.pages,
                language=invoice.account.language,
                rendered_at=clock.now(),
                renderer=RENDERER,
            )
            record(invoice, "pdf_rendered", message=f"{name} ({rendered.pages} page(s), SHA-256 {digest})")
    except IntegrityError:  # rendered by someone else meanwhile: theirs is kept
        return DocumentFile.objects.get(invoice_id=invoice.pk), True
    return document, False


#: How many newly rendered documents `store_documents` commits together (a crash loses at most
#: this many rows; their files, content-addressed, are found again by the next rendering).
COMMIT_EVERY = 10


@dataclass(frozen=True)
class _Rendered:
    invoice: Invoice
    name: str
    digest: str
    size: int
    pages: int


def store_documents(
    *, invoices: Sequence[Invoice], commit_every: int | None = None
) -> dict[int, tuple[DocumentFile, bool] | Exception]:
    """`stored_document` for many issued documents at once, by invoice id: (the stored PDF,
    whether it existed before), or the exception rendering that one raised (the others go on).

    The same bytes as one by one (same content, same layout); what a batch saves is the reads
    (the stored rows, the letterhead and the configuration once per batch; the invoices should
    come with ``select_related("account", "credited_invoice")`` and ``prefetch_related("lines",
    "taxes")``) and the writes: every `commit_every` documents, their rows and audit records in
    one transaction of two inserts (default `COMMIT_EVERY`). A crash in between re-renders only the documents without a
    row (their files, named by content, are found in storage and not written again).
    """
    commit_every = commit_every or COMMIT_EVERY
    out: dict[int, tuple[DocumentFile, bool] | Exception] = {}
    existing = {d.invoice_id: d for d in DocumentFile.objects.filter(invoice_id__in=[i.pk for i in invoices])}
    profile = CompanyProfile.get()
    pending: list[_Rendered] = []
    for invoice in invoices:
        if invoice.pk in existing:
            out[invoice.pk] = (existing[invoice.pk], True)
            continue
        try:
            _issued(invoice)
            rendered = render_pdf(document_content(invoice, profile=profile))
            digest = hashlib.sha256(rendered.data).hexdigest()
            name = storage_name(invoice, digest)
            if not default_storage.exists(name):
                name = default_storage.save(name, ContentFile(rendered.data))
        except Exception as exc:  # this document fails (its job retries), the batch goes on
            out[invoice.pk] = exc
            continue
        pending.append(_Rendered(invoice, name, digest, len(rendered.data), rendered.pages))
        if len(pending) >= commit_every:
            out.update(_commit_rendered(pending))
            pending = []
    if pending:
        out.update(_commit_rendered(pending))
    return out


def _commit_rendered(pending: list[_Rendered]) -> dict[int, tuple[DocumentFile, bool] | Exception]:
    now = clock.now()
    rows = [
        DocumentFile(
            invoice=item.invoice,
            file=item.name,
            sha256=item.digest,
            size=item.size,
            pages=item.pages,
            language=item.invoice.account.language,
            rendered_at=now,
            renderer=RENDERER,
        )
        for item in pending
    ]
    entries = [
        AuditEntry(
            item.invoice, "pdf_rendered", message=f"{item.name} ({item.pages} page(s), SHA-256 {item.digest})"
        )
        for item in pending
    ]
    try:
        with transaction.atomic():
            DocumentFile.objects.bulk_create(rows)
            record_many(entries, at=now)
    except IntegrityError:  # one was stored by someone else meanwhile: one by one, theirs kept
        out: dict[int, tuple[DocumentFile, bool] | Exception] = {}
        for item in pending:
            try:
                out[item.invoice.pk] = stored_document(invoice=item.invoice)
            except Exception as exc:
                out[item.invoice.pk] = exc
        return out
    return {row.invoice_id: (row, False) for row in rows}


def document_bytes(*, document: DocumentFile) -> bytes:
    """The stored PDF, checked against its SHA-256 (`document_corrupt` when it changed)."""
    try:
        with default_storage.open(document.file.name, "rb") as handle:
            data = bytes(handle.read())
    except (OSError, ValueError) as exc:
        raise SeatlineError(
            "document_missing", f"the PDF of {document.invoice} cannot be read: {exc}", field="document"
        ) from exc
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise SeatlineError(
            "document_corrupt",
            f"the stored PDF of {document.invoice} no longer matches its SHA-256 {document.sha256}",
            field="document",
        )
    return data


def pdf_for_download(*, invoice: Invoice) -> tuple[bytes, str]:
    """(bytes, file name): the stored PDF of an issued document, a DRAFT preview of a draft."""
    if not invoice.is_issued:
        return render(invoice).data, f"draft-{invoice.pk}.pdf"
    document = render_document(invoice=invoice)
    return document_bytes(document=document), document.filename


def update_company_profile(
    *, profile: CompanyProfile, legal_name: str, address: str, tax_id: str
) -> CompanyProfile:
    """Save the letterhead; the legal name, address and tax id go to the Configuration (the
    seller details every new invoice copies)."""
    with transaction.atomic():
        profile.save()
        config = Configuration.get()
        config.seller_name = legal_name
        config.seller_address = address
        config.seller_tax_id = tax_id
        config.save()
    return profile


# -- e-mail ----------------------------------------------------------------------------------


def paynow_url(invoice: Invoice) -> str:
    for provider in paynow_url_providers:
        link = provider(invoice)
        if link:
            return link
    return ""


def email_context(invoice: Invoice) -> dict[str, Any]:
    """The variables of the invoice / credit note e-mail, written for the account's locale."""
    fmt = Formatter(invoice.account.language)
    currency = invoice.currency
    company = invoice.seller_name or Configuration.get().seller_name
    common = {"company_name": company, "account_name": invoice.buyer_name or invoice.account.name}
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        corrected = invoice.credited_invoice
        return {
            **common,
            "credit_note_number": invoice.number,
            "credit_note_date": fmt.date(invoice.invoice_date),
            "credited_invoice_number": corrected.number if corrected is not None else "",
            "amount": fmt.money(-invoice.total, currency),
        }
    return {
        **common,
        "invoice_number": invoice.number,
        "invoice_date": fmt.date(invoice.invoice_date),
        "due_date": fmt.date(invoice.due_date),
        "period": fmt.period(invoice.period_start, invoice.period_end),
        "total": fmt.money(invoice.total, currency),
        "balance_due": fmt.money(invoice.balance, currency),
        "paynow_url": paynow_url(invoice),
    }


def send_document(*, invoice: Invoice, trigger: str = EmailTrigger.MANUAL) -> OutgoingEmail:
    """E-mail an issued document (PDF attached, rendered first if needed) to its account's
    billing contacts (the contract's primary billing contact first); queued in this transaction."""
    _issued(invoice)
    with transaction.atomic():
        document = render_document(invoice=invoice)
        template = DOCUMENT_TEMPLATES.get(invoice.kind, INVOICE_TEMPLATE)
        with translation.override(text_language(invoice.account.language)):
            filename = document.filename
        email = send(
            template,
            to_account=invoice.account,
            primary_contact=invoice.contract.primary_billing_contact,
            context=email_context(invoice),
            attachments=[Attachment(filename=filename, path=document.file.name, sha256=document.sha256)],
            related=invoice,
            trigger=trigger,
        )
        record(invoice, "document_email_queued", message=f"{email.message_id} to {', '.join(email.to)}")
    return email


def auto_send(*, invoice: Invoice) -> OutgoingEmail | None:
    """The automatic e-mail of a newly issued document whose contract auto-sends (once)."""
    if not invoice.contract.auto_send:
        return None
    with transaction.atomic():
        # the contract row lock orders two workers auto-sending documents of one contract
        BillingContract.objects.select_for_update().filter(pk=invoice.contract_id).first()
        if OutgoingEmail.objects.filter(
            content_type__app_label="invoicing",
            content_type__model="invoice",
            object_id=str(invoice.pk),
            trigger=EmailTrigger.AUTO,
        ).exists():
            return None
        return send_document(invoice=invoice, trigger=EmailTrigger.AUTO)
