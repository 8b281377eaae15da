# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a document's PDF says: every text translated and every number formatted for the account.

`document_content(invoice)` reads the invoice (its snapshot of seller and buyer, lines, taxes),
the letterhead and the account's language, and returns a `DocumentContent` of plain strings; the
layout (`seatline.documents.pdf`) only places them. Texts come from Django's gettext catalogs
(``seatline/locale``) in the account's language, numbers, dates and money from Babel in its
locale (`seatline.documents.formatting`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _

from seatline.common.languages import text_language
from seatline.configuration.models import Configuration
from seatline.documents.formatting import Formatter
from seatline.documents.models import CompanyProfile
from seatline.invoicing.models import Invoice, InvoiceKind, InvoiceLine

#: Bumped when the layout changes (stored on each DocumentFile: which layout made it).
RENDERER = "seatline-pdf-1"


@dataclass(frozen=True)
class LineRow:
    description: str
    detail: str
    period: str
    quantity: str
    unit_price: str
    discount: str
    amount: str


@dataclass(frozen=True)
class DocumentContent:
    language: str
    title: str
    number: str
    draft: bool
    created: dt.datetime
    seller: tuple[str, ...]
    seller_details: tuple[str, ...]
    logo: bytes | None
    bill_to_label: str
    bill_to: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    show_discount: bool
    lines: tuple[LineRow, ...]
    totals: tuple[tuple[str, str, bool], ...]  # (label, value, emphasised)
    payment_label: str
    payment: tuple[str, ...]
    notes_label: str
    notes: tuple[str, ...]
    footer: str
    page_label: str  # with {page} and {pages}
    continued: str
    draft_label: str
    subject: str

    def texts(self) -> list[str]:
        """Every string the PDF prints (for the font choice)."""
        out = [self.title, self.number, self.bill_to_label, self.payment_label, self.notes_label]
        out += [self.footer, self.page_label, self.continued, self.draft_label, *self.columns]
        out += [*self.seller, *self.seller_details, *self.bill_to, *self.payment, *self.notes]
        out += [text for pair in self.facts for text in pair]
        out += [text for label, value, _ in self.totals for text in (label, value)]
        for row in self.lines:
            out += [row.description, row.detail, row.period, row.quantity, row.unit_price, row.amount]
            out.append(row.discount)
        return out


def line_type_label(line_type: str) -> str:
    labels = {
        InvoiceLine.Type.PRORATION: _("Proration"),
        InvoiceLine.Type.CREDIT: _("Credit"),
        InvoiceLine.Type.NRI: _("One-time charge"),
        InvoiceLine.Type.USAGE: _("Usage"),
        InvoiceLine.Type.MINIMUM_COMMITMENT: _("Minimum commitment"),
    }
    return labels.get(line_type, "")


#: The printed logo's largest size in pixels (its 45 x 20 mm box at 300 dpi).
LOGO_PIXELS = (532, 236)


def _logo_bytes(profile: CompanyProfile) -> bytes | None:
    if not profile.logo:
        return None
    try:
        size = profile.logo.size
    except (OSError, ValueError):
        return None
    return _prepared_logo(profile.logo.name, size)


@lru_cache(maxsize=4)
def _prepared_logo(name: str, size: int) -> bytes | None:
    """The logo file scaled down to what the page prints (read and scaled once per process and
    file: an uploaded logo gets a new file name, so a new logo is read again)."""
    import io

    from django.core.files.storage import default_storage
    from PIL import Image, UnidentifiedImageError

    try:
        with default_storage.open(name, "rb") as handle:
            data = bytes(handle.read())
        with Image.open(io.BytesIO(data)) as image:
            if image.width <= LOGO_PIXELS[0] and image.height <= LOGO_PIXELS[1]:
                return data
            image.thumbnail(LOGO_PIXELS)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (OSError, ValueError, UnidentifiedImageError):
        return None


def _non_empty(*values: str) -> tuple[str, ...]:
    return tuple(value.strip() for value in values if value and value.strip())


def document_content(
    invoice: Invoice,
    *,
    language: str | None = None,
    profile: CompanyProfile | None = None,
    lines: list[InvoiceLine] | None = None,
) -> DocumentContent:
    """The content of `invoice`'s PDF in `language` (default: its account's)."""
    tag = language or invoice.account.language
    profile = profile if profile is not None else CompanyProfile.get()
    rows = lines if lines is not None else list(invoice.lines.all())
    with translation.override(text_language(tag)):
        return _build(invoice, tag, profile, rows)


def _build(invoice: Invoice, tag: str, profile: CompanyProfile, lines: list[InvoiceLine]) -> DocumentContent:
    fmt = Formatter(tag)
    currency = invoice.currency
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    title = _("Credit note") if credit_note else _("Invoice")
    number = invoice.number or _("Draft")
    config_name = invoice.seller_name or Configuration.get().seller_name

    seller_details = _non_empty(
        _("VAT ID: %(id)s") % {"id": invoice.seller_tax_id} if invoice.seller_tax_id else "",
        _("Registration: %(id)s") % {"id": profile.registration_id} if profile.registration_id else "",
        profile.email,
        profile.phone,
        profile.website,
    )
    bill_to = _non_empty(invoice.buyer_name, *invoice.buyer_address.splitlines())

    facts: list[tuple[str, str]] = [
        (_("Credit note number") if credit_note else _("Invoice number"), number),
        (_("Credit note date") if credit_note else _("Invoice date"), fmt.date(invoice.invoice_date)),
    ]
    if not credit_note:
        facts.append((_("Due date"), fmt.date(invoice.due_date)))
    if invoice.period_start or invoice.period_end:
        facts.append((_("Billing period"), fmt.period(invoice.period_start, invoice.period_end)))
    corrected = invoice.credited_invoice if credit_note else None
    if corrected is not None:
        facts.append((_("Corrects invoice"), corrected.number or ""))

    show_discount = any(line.discount for line in lines)
    columns = [_("Description"), _("Period"), _("Quantity"), _("Unit price")]
    if show_discount:
        columns.append(_("Discount"))
    columns.append(_("Amount"))
    rows = tuple(
        LineRow(
            description=line.description,
            detail=line_type_label(line.type),
            period=fmt.period(line.period_start, line.period_end),
            quantity=fmt.quantity(line.quantity),
            unit_price=fmt.unit_price(line.unit_price, currency),
            discount=fmt.money(line.discount, currency) if line.discount else "",
            amount=fmt.money(line.amount - line.discount, currency),
        )
        for line in lines
    )

    totals: list[tuple[str, str, bool]] = [(_("Subtotal"), fmt.money(invoice.subtotal, currency), False)]
    for tax in invoice.taxes.all():
        totals.append(
            (f"{tax.name} {fmt.percent(tax.percent)}".strip(), fmt.money(tax.amount, currency), False)
        )
    totals.append((_("Total"), fmt.money(invoice.total, currency), True))
    paid = invoice.total - invoice.balance if invoice.is_issued else Decimal(0)
    if credit_note:
        totals.append((_("Amount credited"), fmt.money(-invoice.total, currency), False))
    else:
        if paid:
            totals.append((_("Amount paid"), fmt.money(paid, currency), False))
        due = invoice.balance if invoice.is_issued else invoice.total
        totals.append((_("Balance due"), fmt.money(due, currency), True))

    payment: list[str] = []
    if credit_note:
        if corrected is not None:
            payment.append(
                _("This credit note corrects invoice %(number)s of %(date)s.")
                % {"number": corrected.number, "date": fmt.date(corrected.invoice_date)}
            )
        payment.append(
            _("The amount of %(amount)s is refunded or set off against your open invoices.")
            % {"amount": fmt.money(-invoice.total, currency)}
        )
    elif invoice.total > 0:
        payment.append(
            _("Please pay %(amount)s by %(date)s, quoting %(number)s.")
            % {
                "amount": fmt.money(invoice.total, currency),
                "date": fmt.date(invoice.due_date),
                "number": number,
            }
        )
    if not credit_note:
        payment.extend(_non_empty(*profile.payment_instructions.splitlines()))
        bank = _non_empty(
            _("Bank: %(name)s") % {"name": profile.bank_name} if profile.bank_name else "",
            _("Account holder: %(name)s") % {"name": profile.bank_account_holder}
            if profile.bank_account_holder
            else "",
            _("IBAN: %(iban)s") % {"iban": profile.iban} if profile.iban else "",
            _("BIC: %(bic)s") % {"bic": profile.bic} if profile.bic else "",
            *profile.bank_details.splitlines(),
        )
        payment.extend(bank)

    notes = list(_non_empty(*profile.invoice_notes.splitlines()))
    if invoice.buyer_tax_exempt and not invoice.tax_total:
        notes.insert(0, _("The customer is tax exempt: no tax is charged."))

    return DocumentContent(
        language=tag,
        title=title,
        number=number,
        draft=not invoice.is_issued,
        created=invoice.issued_at or dt.datetime.combine(invoice.generated_on, dt.time(), tzinfo=dt.UTC),
        seller=_non_empty(config_name, *invoice.seller_address.splitlines()),
        seller_details=seller_details,
        logo=_logo_bytes(profile),
        bill_to_label=_("Bill to"),
        bill_to=bill_to,
        facts=tuple(facts),
        columns=tuple(columns),
        show_discount=show_discount,
        lines=rows,
        totals=tuple(totals),
        payment_label=_("Payment instructions") if not credit_note else _("Refund"),
        payment=tuple(payment),
        notes_label=_("Notes"),
        notes=tuple(notes),
        footer=" ".join(profile.footer_text.split()),
        page_label=_("Page %(page)s of %(pages)s") % {"page": "{page}", "pages": "{pages}"},
        continued=_("%(title)s %(number)s (continued)") % {"title": title, "number": number},
        draft_label=_("DRAFT"),
        subject=f"{title} {number}",
    )
