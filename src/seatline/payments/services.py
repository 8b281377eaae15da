# SPDX-License-Identifier: AGPL-3.0-or-later
"""Recording payments against issued invoices (idempotent per processor transaction id)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.common import events
from seatline.core.money import money_text, quantize
from seatline.errors import SeatlineError
from seatline.invoicing.events import invoice_data
from seatline.invoicing.models import Invoice, InvoiceKind, InvoiceStatus
from seatline.payments.models import Dunning, Payment
from seatline.payments.selectors import payment_for_transaction
from seatline.payments.status import PAYABLE, reserved_amount, status_on


def record_payment(
    *,
    invoice: Invoice,
    amount: Any,
    date: dt.date | None = None,
    processor: str = "manual",
    transaction_id: str | None = None,
    charge_attempt_id: int | None = None,
) -> Payment:
    """A payment of `amount` (0 < amount <= open balance) against an issued invoice.

    The same (processor, transaction_id) again returns the first payment and changes nothing.
    Without a transaction id a unique one is generated (each call is then a new payment).
    Charges in flight hold part of the balance: a payment may take only what they leave, except
    the charge `charge_attempt_id` itself being recorded. A payment ends the invoice's dunning
    retries (docs/billing.md 12).
    """
    if processor not in Payment.Processor.values:
        raise SeatlineError(
            "invalid_processor", f"unknown payment processor {processor!r}", field="processor"
        )
    if transaction_id:
        existing = payment_for_transaction(processor=processor, transaction_id=transaction_id)
        if existing is not None:
            return existing
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise SeatlineError(
            "payment_exceeds_balance", f"{amount!r} is not an amount", field="amount"
        ) from exc
    if isinstance(amount, bool | float) or not value.is_finite():
        raise SeatlineError("payment_exceeds_balance", f"{amount!r} is not an amount", field="amount")
    date = date or clock.today()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if transaction_id:
            existing = payment_for_transaction(processor=processor, transaction_id=transaction_id)
            if existing is not None:  # recorded by a concurrent delivery while we waited for the lock
                return existing
        if locked.kind == InvoiceKind.CREDIT_NOTE or locked.status not in PAYABLE:
            code = "invoice_not_issued" if locked.status == InvoiceStatus.DRAFT else "invoice_not_payable"
            raise SeatlineError(
                code, f"{locked} ({locked.get_status_display()}) cannot be paid", field="invoice"
            )
        available = locked.balance - reserved_amount(locked.pk, excluding=charge_attempt_id)
        if value <= 0 or value > available:
            held = (
                f" ({locked.balance - available} held by charges in flight)"
                if available != locked.balance
                else ""
            )
            raise SeatlineError(
                "payment_exceeds_balance",
                f"a payment must be above 0 and at most the open balance {available} {locked.currency}{held}; "
                f"got {value}",
                field="amount",
            )
        if value != quantize(value, locked.currency):
            raise SeatlineError(
                "invalid_amount", f"{value} has more decimals than {locked.currency} allows", field="amount"
            )
        payment = Payment.objects.create(
            invoice=locked,
            amount=value,
            currency=locked.currency,
            date=date,
            processor=processor,
            processor_transaction_id=transaction_id or f"{processor}-{uuid.uuid4().hex}",
        )
        before = (locked.status, locked.balance)
        locked.balance = locked.balance - value
        locked.status = status_on(locked, date)
        locked.save(update_fields=["balance", "status"])
        Dunning.objects.filter(invoice=locked, status=Dunning.Status.SCHEDULED, failures__gt=0).update(
            status=Dunning.Status.DONE, next_date=None
        )
        record(
            locked,
            "payment_recorded",
            changes={"status": (before[0], locked.status), "balance": (before[1], locked.balance)},
            message=f"payment {payment.pk}: {value} {locked.currency} via {processor} ({payment.processor_transaction_id})",
        )
        if locked.status == InvoiceStatus.PAID:
            events.emit(
                "invoice.paid",
                {"invoice": invoice_data(locked), "payment": payment_data(payment)},
                related=locked,
            )
    invoice.balance, invoice.status = locked.balance, locked.status
    invoice._audit_loaded = locked._audit_values()  # type: ignore[attr-defined]
    return payment


def payment_data(payment: Payment) -> dict[str, Any]:
    """A payment in event payloads."""
    return {
        "id": payment.pk,
        "invoice_id": payment.invoice_id,
        "amount": money_text(payment.amount, payment.currency),
        "currency": payment.currency,
        "date": payment.date.isoformat(),
        "processor": payment.processor,
        "transaction_id": payment.processor_transaction_id,
    }
