# SPDX-License-Identifier: AGPL-3.0-or-later
"""The status of an issued invoice on a day, from its balance and due date (docs/billing.md 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from seatline.invoicing.models import OPEN_STATUSES, Invoice, InvoiceKind, InvoiceStatus
from seatline.payments.models import ChargeAttempt

#: Statuses an invoice can be paid or charged in.
PAYABLE = (
    InvoiceStatus.BILLED,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.OVERDUE,
    InvoiceStatus.PAID,
)
OPEN = OPEN_STATUSES
#: Invoice kinds auto-charge collects.
CHARGEABLE_KINDS = (InvoiceKind.REGULAR, InvoiceKind.CHANGE_LOG, InvoiceKind.MANUAL)


def status_on(invoice: Invoice, day: dt.date) -> str:
    """fully credited -> void; balance <= 0 -> paid; after the due date -> overdue; balance below
    the total -> partially_paid; else billed. Drafts and credit notes keep theirs."""
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID) or invoice.kind == InvoiceKind.CREDIT_NOTE:
        return str(invoice.status)
    if invoice.balance <= 0:
        return InvoiceStatus.PAID
    if day > invoice.due_date:
        return InvoiceStatus.OVERDUE
    if invoice.balance < invoice.total:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.BILLED


def reserved_amount(invoice_id: int, *, excluding: int | None = None) -> Decimal:
    """What charges in flight (sent or about to be sent, or pending at the bank) hold of the balance."""
    rows = ChargeAttempt.objects.filter(
        invoice_id=invoice_id, status__in=(ChargeAttempt.Status.STARTED, ChargeAttempt.Status.PENDING)
    )
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)
