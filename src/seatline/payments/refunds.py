# SPDX-License-Identifier: AGPL-3.0-or-later
"""Refunds of payments (docs/billing.md 12): all or part of one successful payment, never more
than what is left of it (`refund_exceeds_payment`), idempotent per processor refund id; a refund
raises the invoice's balance by its amount (and is not charged again automatically)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum

from seatline import clock
from seatline.audit.services import record
from seatline.connectors.payments import RefundRequest, RefundStatus
from seatline.core.money import quantize
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.payments.connections import connector
from seatline.payments.models import ChargeAttempt, Payment, PaymentProcessor, Refund
from seatline.payments.status import status_on

REFUND_EXCEEDS = "refund_exceeds_payment"


def refundable(payment: Payment) -> Decimal:
    refunded = Refund.objects.filter(payment=payment).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return payment.amount - refunded


def _value(amount: Any, payment: Payment) -> Decimal:
    if amount is None:
        return refundable(payment)
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise SeatlineError(REFUND_EXCEEDS, f"{amount!r} is not an amount", field="amount") from exc
    if isinstance(amount, bool | float) or not value.is_finite():
        raise SeatlineError(REFUND_EXCEEDS, f"{amount!r} is not an amount", field="amount")
    return value


def _processor_of(payment: Payment) -> PaymentProcessor | None:
    attempt = ChargeAttempt.objects.filter(payment=payment).select_related("processor").first()
    if attempt is not None and attempt.processor is not None:
        return attempt.processor
    return PaymentProcessor.objects.filter(kind=payment.processor, active=True).order_by("id").first()


def refund_payment(
    *,
    payment: Payment,
    amount: Any = None,
    reason: str = "",
    processor_refund_id: str = "",
    date: dt.date | None = None,
) -> Refund:
    """Refund `amount` (default: all that is left) of `payment`.

    A processor payment is refunded at its processor (idempotency key `refund:<payment>:<n>`);
    a manual one is only recorded (`processor_refund_id` names it, else one is generated). The
    same processor refund id again returns the first refund.
    """
    date = date or clock.today()
    if processor_refund_id:
        existing = Refund.objects.filter(
            processor=payment.processor, processor_refund_id=processor_refund_id
        ).first()
        if existing is not None:
            return existing
    value = _value(amount, payment)
    left = refundable(payment)
    if value <= 0 or value > left:
        raise SeatlineError(
            REFUND_EXCEEDS,
            f"a refund must be above 0 and at most {left} {payment.currency}; got {value}",
            field="amount",
        )
    if value != quantize(value, payment.currency):
        raise SeatlineError(
            "invalid_amount", f"{value} has more decimals than {payment.currency} allows", field="amount"
        )
    if payment.processor != Payment.Processor.MANUAL and not processor_refund_id:
        processor = _processor_of(payment)
        if processor is None:
            raise SeatlineError(
                "processor_unknown", f"no {payment.processor} processor is configured", field="payment"
            )
        number = Refund.objects.filter(payment=payment).count() + 1
        answer = connector(processor).refund(
            RefundRequest(
                charge_id=payment.processor_transaction_id,
                amount=value,
                currency=payment.currency,
                idempotency_key=f"refund:{payment.pk}:{number}",
                reason=reason,
            )
        )
        if answer.status == RefundStatus.FAILED:
            raise SeatlineError(
                "refund_failed", f"the processor refused the refund: {answer.message}", field="payment"
            )
        processor_refund_id = answer.id
    return record_refund(
        payment=payment,
        amount=value,
        processor_refund_id=processor_refund_id or f"manual-refund:{payment.pk}:{clock.now().timestamp()}",
        reason=reason,
        date=date,
    )


def record_refund(
    *, payment: Payment, amount: Decimal, processor_refund_id: str, reason: str = "", date: dt.date
) -> Refund:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        existing = Refund.objects.filter(
            processor=payment.processor, processor_refund_id=processor_refund_id
        ).first()
        if existing is not None:
            return existing
        left = refundable(payment)
        if amount > left:
            raise SeatlineError(
                REFUND_EXCEEDS, f"at most {left} {payment.currency} is left to refund", field="amount"
            )
        refund = Refund.objects.create(
            payment=payment,
            invoice=invoice,
            amount=amount,
            currency=payment.currency,
            date=date,
            processor=payment.processor,
            processor_refund_id=processor_refund_id,
            reason=reason[:200],
        )
        before = (invoice.status, invoice.balance)
        invoice.balance = invoice.balance + amount
        invoice.status = status_on(invoice, date)
        invoice.save(update_fields=["balance", "status", "updated_at"])
        record(
            invoice,
            "refund_recorded",
            changes={"status": (before[0], invoice.status), "balance": (before[1], invoice.balance)},
            message=f"refund {refund.pk}: {amount} {payment.currency} of payment {payment.pk} ({processor_refund_id})",
        )
    return refund


def refund_invoice(
    *, invoice: Invoice, amount: Any = None, reason: str = "", date: dt.date | None = None
) -> Refund:
    """Refund from the invoice's latest payment with something left to refund."""
    for payment in Payment.objects.filter(invoice=invoice).order_by("-date", "-id"):
        if refundable(payment) > 0:
            return refund_payment(payment=payment, amount=amount, reason=reason, date=date)
    raise SeatlineError(REFUND_EXCEEDS, f"{invoice} has no payment left to refund", field="invoice")
