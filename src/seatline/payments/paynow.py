# SPDX-License-Identifier: AGPL-3.0-or-later
"""PayNow: an invoice paid on the processor's hosted payment page (Stripe Checkout).

The public link carries the invoice signed (`link_token`), unguessable and without expiry: it
opens after payment too, then showing Paid. A completed checkout is recorded once (per processor
transaction id) as a PayNow charge; if the balance went down meanwhile (another payment), what
no longer fits is refunded at the processor at once, so the balance never goes below zero.
"Save for future use" makes the saved method an active profile of the account.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from seatline import clock
from seatline.connectors.payments import CheckoutRequest, CheckoutStatus, RefundRequest
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceKind
from seatline.payments.charging import next_attempt_number, record_outcome
from seatline.payments.connections import connector
from seatline.payments.models import ChargeAttempt, PaymentProcessor, PaymentProfile
from seatline.payments.profiles import activate_profile, customer_token
from seatline.payments.status import OPEN, reserved_amount

SALT = "seatline.payments.paynow"


def link_token(invoice: Invoice) -> str:
    """The same link every time (a signature without timestamp: PayNow links do not expire)."""
    return signing.Signer(salt=SALT).sign(str(invoice.pk))


def public_link(invoice: Invoice) -> str:
    """The absolute PayNow link (setting SEATLINE_PUBLIC_URL; empty without it)."""
    base = getattr(settings, "SEATLINE_PUBLIC_URL", "")
    if not base:
        return ""
    return base.rstrip("/") + reverse("paynow:invoice", args=[link_token(invoice)])


def invoice_for_token(token: str) -> Invoice:
    try:
        pk = int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError) as exc:
        raise SeatlineError("link_invalid", "this payment link is not valid") from exc
    invoice = (
        Invoice.objects.select_related("account").filter(pk=pk).exclude(kind=InvoiceKind.CREDIT_NOTE).first()
    )
    if invoice is None or not invoice.is_issued:
        raise SeatlineError("link_invalid", "this payment link is not valid")
    return invoice


def paynow_processor(invoice: Invoice) -> PaymentProcessor | None:
    """The active processor with a hosted payment page in the invoice's currency (Stripe first)."""
    for processor in PaymentProcessor.objects.filter(active=True, currency=invoice.currency).order_by("id"):
        if connector(processor).capabilities.hosted_payment_page:
            return processor
    return None


def start_checkout(*, invoice: Invoice, success_url: str, cancel_url: str, save: bool = False) -> str:
    """The hosted page's URL for the invoice's open balance (`{CHECKOUT_SESSION_ID}` in
    `success_url` is replaced by the processor)."""
    if invoice.status not in OPEN or invoice.balance <= 0:
        raise SeatlineError("invoice_not_payable", f"{invoice} has nothing to pay", field="invoice")
    processor = paynow_processor(invoice)
    if processor is None:
        raise SeatlineError(
            "no_payment_processor", "no payment processor offers a payment page", field="invoice"
        )
    amount = invoice.balance - reserved_amount(invoice.pk)
    if amount <= 0:
        raise SeatlineError("invoice_not_payable", f"{invoice} is being charged", field="invoice")
    session = connector(processor).create_checkout(
        CheckoutRequest(
            amount=amount,
            currency=invoice.currency,
            description=f"Invoice {invoice.number}",
            reference=invoice.number or "",
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=f"paynow:{invoice.number}:{amount}:{int(clock.now().timestamp()) // 600}:{int(save)}",
            customer_id=customer_token(invoice.account, processor) if save else "",
            save_payment_method=save,
        )
    )
    return session.url


def finish_checkout(*, invoice: Invoice, session_id: str) -> ChargeAttempt | None:
    """Record a completed checkout (once); None while it is not complete."""
    processor = paynow_processor(invoice)
    if processor is None:
        return None
    gateway = connector(processor)
    session = gateway.get_checkout(session_id)
    if session.status != CheckoutStatus.COMPLETE or not session.charge_id:
        return None
    known = ChargeAttempt.objects.filter(
        processor=processor, processor_transaction_id=session.charge_id
    ).first()
    if known is not None and known.status != ChargeAttempt.Status.STARTED:
        return known
    charge = gateway.get_charge(session.charge_id)
    if known is not None:  # recorded up to the outcome by an earlier return that died
        return record_outcome(attempt=known, charge=charge)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        available = max(locked.balance - reserved_amount(locked.pk), Decimal(0))
        fits = min(charge.amount, available)
        number = next_attempt_number(locked)
        attempt = ChargeAttempt.objects.create(
            invoice=locked,
            processor=processor,
            number=number,
            idempotency_key=f"paynow:{locked.number}:{session.charge_id}",
            trigger=ChargeAttempt.Trigger.PAYNOW,
            amount=fits,
            currency=locked.currency,
            date=clock.today(),
            processor_transaction_id=session.charge_id,
            status=ChargeAttempt.Status.STARTED if fits > 0 else ChargeAttempt.Status.CANCELLED,
            message="" if fits > 0 else "paid meanwhile: refunded",
        )
    if charge.amount > fits:  # paid meanwhile by another way: give back what no longer fits
        gateway.refund(
            RefundRequest(
                charge_id=charge.id,
                amount=charge.amount - fits,
                currency=charge.currency,
                idempotency_key=f"paynow-excess:{charge.id}",
                reason="the invoice was paid meanwhile",
            )
        )
    if fits > 0:
        attempt = record_outcome(attempt=attempt, charge=charge)
    if session.payment_method is not None:
        saved = PaymentProfile.objects.filter(
            processor=processor, method_token=session.payment_method.token
        ).first()
        if saved is None:
            new = PaymentProfile.objects.create(
                account=invoice.account,
                processor=processor,
                customer_token=session.payment_method.customer_id,
            )
            activate_profile(new, session.payment_method, make_default=None)
    return attempt
