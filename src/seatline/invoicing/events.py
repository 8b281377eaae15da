# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payloads of the invoice events (`seatline.common.events`)."""

from __future__ import annotations

from typing import Any

from seatline.core.money import money_text
from seatline.invoicing.models import Invoice


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    currency = invoice.currency
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "status": invoice.status,
        "account_id": invoice.account_id,
        "contract_id": invoice.contract_id,
        "currency": currency,
        "subtotal": money_text(invoice.subtotal, currency),
        "tax_total": money_text(invoice.tax_total, currency),
        "total": money_text(invoice.total, currency),
        "balance": money_text(invoice.balance, currency),
        "invoice_date": _date(invoice.invoice_date),
        "due_date": _date(invoice.due_date),
        "period_start": _date(invoice.period_start),
        "period_end": _date(invoice.period_end),
        "credited_invoice_id": invoice.credited_invoice_id,
        "buyer_name": invoice.buyer_name,
    }
