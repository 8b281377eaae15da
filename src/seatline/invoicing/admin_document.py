# SPDX-License-Identifier: AGPL-3.0-or-later
"""An invoice in the back office laid out as the document: header, bill-to, lines, taxes, totals
in the currency's format (Babel), status and balance, links to its credit notes and payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from seatline import clock
from seatline.invoicing.models import Invoice

LOCALE = "en_US"


def money(amount: Decimal | None, currency: str) -> str:
    """`amount` as the currency writes it ("$1,234.50", "¥1,000", "KWD 1.250")."""
    if amount is None:
        return "-"
    return format_currency(amount, currency, locale=LOCALE)


def unit_price(amount: Decimal, currency: str) -> str:
    """A unit price keeps the decimals it has beyond the currency's (0.1234)."""
    exponent = int(amount.normalize().as_tuple().exponent)
    if exponent < -2:
        return format_currency(amount, currency, locale=LOCALE, format="¤#,##0.00##", currency_digits=False)
    return money(amount, currency)


def _link(name: str, pk: Any) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def invoice_document(invoice: Invoice) -> SafeString:
    currency = invoice.currency
    lines = [
        {
            "description": line.description,
            "period": (
                f"{line.period_start:%d %b %Y} – {line.period_end:%d %b %Y}"
                if line.period_start and line.period_end
                else ""
            ),
            "quantity": line.quantity.normalize() if isinstance(line.quantity, Decimal) else line.quantity,
            "unit_price": unit_price(line.unit_price, currency),
            "discount": money(line.discount, currency) if line.discount else "",
            "net": money(line.net, currency),
        }
        for line in invoice.lines.order_by("position", "id")
    ]
    taxes = [
        {"name": tax.name, "percent": tax.percent.normalize(), "amount": money(tax.amount, currency)}
        for tax in invoice.taxes.order_by("id")
    ]
    credit_notes = [
        {
            "label": str(note),
            "url": _link("admin:invoicing_invoice_change", note.pk),
            "total": money(note.total, currency),
        }
        for note in invoice.credit_notes.order_by("id")
    ]
    payments = [
        {
            "label": f"{payment.date:%d %b %Y}",
            "url": _link("admin:payments_payment_change", payment.pk),
            "amount": money(payment.amount, currency),
        }
        for payment in invoice.payments.order_by("date", "id")
    ]
    overdue = invoice.is_issued and invoice.balance > 0 and invoice.due_date < clock.today()
    context = {
        "invoice": invoice,
        "title": "Credit note" if invoice.total < 0 or invoice.credited_invoice_id else "Invoice",
        "lines": lines,
        "taxes": taxes,
        "subtotal": money(invoice.subtotal, currency),
        "tax_total": money(invoice.tax_total, currency),
        "total": money(invoice.total, currency),
        "balance": money(invoice.balance, currency),
        "overdue": overdue,
        "credit_notes": credit_notes,
        "credited": (
            {
                "label": str(invoice.credited_invoice),
                "url": _link("admin:invoicing_invoice_change", invoice.credited_invoice_id),
            }
            if invoice.credited_invoice_id
            else None
        ),
        "payments": payments,
        "account_url": _link("admin:customers_account_change", invoice.account_id),
        "contract_url": _link("admin:contracts_billingcontract_change", invoice.contract_id)
        if invoice.contract_id
        else "",
    }
    return SafeString(render_to_string("seatline/admin/invoice_document.html", context))
