# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads on payments."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from seatline.invoicing.models import Invoice
from seatline.payments.models import Payment


def payment_for_transaction(*, processor: str, transaction_id: str) -> Payment | None:
    return Payment.objects.filter(processor=processor, processor_transaction_id=transaction_id).first()


def payments_of(invoice: Invoice) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice=invoice).order_by("date", "id")


def paid_amount(invoice: Invoice) -> Decimal:
    return Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or Decimal(0)
