# SPDX-License-Identifier: AGPL-3.0-or-later
"""Charging an invoice through its payment profile (docs/billing.md 12).

A charge is two transactions around the processor call. First the attempt is stored, with its
idempotency key `charge:<invoice number>:<attempt>` and its amount, and committed: from then on
it holds that part of the balance (no other payment can take it) until its outcome is recorded.
Then the processor is called with the key, and the outcome recorded in a second transaction. A
worker killed in between leaves the attempt `started`: the next charge of the invoice (the
retried job) sends the same request with the same key, which the processor answers with the
first result, so the customer is charged once and the invoice paid once.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch

from seatline import clock
from seatline.audit.services import record
from seatline.common.languages import babel_locale
from seatline.configuration.models import Configuration
from seatline.connectors.payment_errors import ProcessorError
from seatline.connectors.payments import Charge, ChargeRequest, ChargeStatus, DeclineCode
from seatline.core.money import quantize
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceKind
from seatline.notifications.services import send
from seatline.payments.connections import connector
from seatline.payments.models import ChargeAttempt, Dunning, PaymentProfile
from seatline.payments.services import record_payment
from seatline.payments.status import PAYABLE, reserved_amount, status_on

logger = logging.getLogger("seatline.payments")
IN_FLIGHT = (ChargeAttempt.Status.STARTED, ChargeAttempt.Status.PENDING)


def _amount(value: Any) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise SeatlineError("payment_exceeds_balance", f"{value!r} is not an amount", field="amount") from exc
    if isinstance(value, bool | float) or not amount.is_finite():
        raise SeatlineError("payment_exceeds_balance", f"{value!r} is not an amount", field="amount")
    return amount


def next_attempt_number(invoice: Invoice) -> int:
    last = ChargeAttempt.objects.filter(invoice=invoice).aggregate(n=Max("number"))["n"]
    return int(last or 0) + 1


def start_charge(
    *,
    invoice: Invoice,
    profile: PaymentProfile,
    trigger: str,
    amount: Any = None,
    day: dt.date | None = None,
) -> ChargeAttempt:
    """Store a charge attempt (committed before the processor hears of it) or return the invoice's
    unfinished one (a crashed earlier run: the same request is sent again).

    `amount` (default: what is open and not held by other charges) must be above 0 and at most
    that. Refusals: `invoice_not_payable`, `profile_not_active`, `payment_exceeds_balance`.
    """
    day = day or clock.today()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        unfinished = ChargeAttempt.objects.filter(
            invoice=locked, status=ChargeAttempt.Status.STARTED, profile__isnull=False
        ).first()
        if unfinished is not None:
            return unfinished
        if locked.kind == InvoiceKind.CREDIT_NOTE or locked.status not in PAYABLE:
            raise SeatlineError("invoice_not_payable", f"{locked} cannot be charged", field="invoice")
        if profile.status != PaymentProfile.Status.ACTIVE or profile.account_id != locked.account_id:
            raise SeatlineError("profile_not_active", f"{profile} cannot charge {locked}", field="profile")
        available = locked.balance - reserved_amount(locked.pk)
        value = available if amount is None else _amount(amount)
        if value <= 0 or value > available:
            raise SeatlineError(
                "payment_exceeds_balance",
                f"a charge must be above 0 and at most the open balance {available} {locked.currency}; got {value}",
                field="amount",
            )
        if value != quantize(value, locked.currency):
            raise SeatlineError(
                "invalid_amount", f"{value} has more decimals than {locked.currency} allows", field="amount"
            )
        number = next_attempt_number(locked)
        attempt = ChargeAttempt.objects.create(
            invoice=locked,
            profile=profile,
            processor=profile.processor,
            number=number,
            idempotency_key=f"charge:{locked.number}:{number}",
            trigger=trigger,
            amount=value,
            currency=locked.currency,
            date=day,
        )
        record(
            locked,
            "charge_started",
            message=f"{attempt.idempotency_key}: {value} {locked.currency} via {profile}",
        )
    return attempt


def send_charge(attempt: ChargeAttempt) -> ChargeAttempt:
    """Send a stored attempt to its processor and record the outcome.

    A processor error that may pass (`retryable`) propagates and leaves the attempt started (the
    job retries it with the same key); any other records the attempt as failed
    (`processing_error`).
    """
    if attempt.status != ChargeAttempt.Status.STARTED:
        return attempt
    profile = attempt.profile
    assert profile is not None and attempt.processor is not None
    invoice = attempt.invoice
    request = ChargeRequest(
        customer_id=profile.customer_token,
        payment_method_token=profile.method_token,
        amount=quantize(attempt.amount, attempt.currency),
        currency=attempt.currency,
        idempotency_key=attempt.idempotency_key,
        description=f"Invoice {invoice.number}",
        reference=invoice.number or "",
        charge_date=attempt.date if profile.kind == PaymentProfile.Kind.BANK_DEBIT else None,
    )
    try:
        charge = connector(attempt.processor).charge(request)
    except ProcessorError as exc:
        if exc.retryable:
            raise
        charge = Charge(
            id="",
            status=ChargeStatus.FAILED,
            amount=attempt.amount,
            currency=attempt.currency,
            decline_code=DeclineCode.PROCESSING_ERROR,
            processor_code=exc.processor_code or exc.code,
            message=(exc.processor_message or exc.message)[:500],
        )
    return record_outcome(attempt=attempt, charge=charge)


def record_outcome(*, attempt: ChargeAttempt, charge: Charge, day: dt.date | None = None) -> ChargeAttempt:
    """Record what the processor said about `attempt` (from its answer or a webhook).

    Succeeded wins: a success after a failure (events out of order) records the payment; a
    failure after a success changes nothing.
    """
    day = day or clock.today()
    with transaction.atomic():
        Invoice.objects.select_for_update().get(pk=attempt.invoice_id)
        locked = (
            ChargeAttempt.objects.select_for_update(of=("self",))
            .select_related("invoice", "processor")
            .get(pk=attempt.pk)
        )
        if charge.id and not locked.processor_transaction_id:
            locked.processor_transaction_id = charge.id
        if charge.status == ChargeStatus.SUCCEEDED and locked.status != ChargeAttempt.Status.SUCCEEDED:
            locked.status = ChargeAttempt.Status.SUCCEEDED
            locked.code = ""
            locked.save()
            kind = locked.processor.kind if locked.processor else "manual"
            locked.payment = record_payment(
                invoice=locked.invoice,
                amount=locked.amount,
                date=day,
                processor=kind,
                transaction_id=charge.id or locked.idempotency_key,
                charge_attempt_id=locked.pk,
            )
            locked.save(update_fields=["payment", "updated_at"])
        elif charge.status == ChargeStatus.PENDING and locked.status == ChargeAttempt.Status.STARTED:
            locked.status = ChargeAttempt.Status.PENDING
            locked.save()
            record(locked.invoice, "charge_pending", message=f"{locked.idempotency_key}: {charge.id}")
        elif charge.status == ChargeStatus.FAILED and locked.status in IN_FLIGHT:
            locked.status = ChargeAttempt.Status.FAILED
            locked.code = str(charge.decline_code or DeclineCode.PROCESSING_ERROR)
            locked.processor_code = charge.processor_code[:100]
            locked.message = charge.message[:500]
            locked.save()
            record(
                locked.invoice,
                "charge_failed",
                message=f"{locked.idempotency_key}: {locked.code} ({locked.processor_code}) {locked.message}".strip(),
            )
            _after_failure(locked, day)
    return locked


def charge(
    *,
    invoice: Invoice,
    profile: PaymentProfile,
    amount: Any = None,
    trigger: str = ChargeAttempt.Trigger.MANUAL,
) -> ChargeAttempt:
    """The manual Charge action: `amount` (default the open balance; partial allowed) through `profile`."""
    attempt = start_charge(invoice=invoice, profile=profile, trigger=trigger, amount=amount)
    return send_charge(attempt)


# -- failures and dunning ------------------------------------------------------------------------


def _after_failure(attempt: ChargeAttempt, day: dt.date) -> None:
    next_date: dt.date | None = None
    if attempt.trigger == ChargeAttempt.Trigger.AUTO:
        next_date = register_failure(attempt, day)
    _failure_email(attempt, next_date)


def register_failure(attempt: ChargeAttempt, day: dt.date) -> dt.date | None:
    """Dunning after a failed auto-charge: the next retry day, or None after the last failure
    (then the credit hold when `dunning_credit_hold`)."""
    dunning = Dunning.objects.select_for_update().filter(invoice_id=attempt.invoice_id).first()
    if dunning is None:
        return None
    config = Configuration.get()
    days = [int(d) for d in (config.dunning_retry_days or [])]
    dunning.failures += 1
    dunning.first_failure_date = dunning.first_failure_date or day
    dunning.last_failure_date = day
    last = attempt.code == DeclineCode.AUTHENTICATION_REQUIRED or dunning.failures > len(days)
    if last:
        dunning.status, dunning.next_date = Dunning.Status.STOPPED, None
    else:
        dunning.status = Dunning.Status.SCHEDULED
        dunning.next_date = dunning.first_failure_date + dt.timedelta(days=days[dunning.failures - 1])
    dunning.save()
    if last and config.dunning_credit_hold:
        account = Account.objects.select_for_update().get(pk=attempt.invoice.account_id)
        if not account.dunning_hold:
            account.dunning_hold = True
            account.save(update_fields=["dunning_hold", "updated_at"])
            record(account, "dunning_hold_set", message=f"last failed charge of {attempt.invoice.number}")
    return dunning.next_date


def _failure_email(attempt: ChargeAttempt, next_date: dt.date | None) -> None:
    invoice = attempt.invoice
    account = invoice.account
    locale = babel_locale(account.language)
    context = {
        "company_name": invoice.seller_name or Configuration.get().seller_name,
        "account_name": invoice.buyer_name or account.name,
        "invoice_number": invoice.number,
        "amount": format_currency(attempt.amount, attempt.currency, locale=locale),
        "failure_reason": attempt.code.replace("_", " "),
        "next_attempt_date": format_date(next_date, "medium", locale=locale) if next_date else "",
        "paynow_url": _paynow_link(invoice),
    }
    try:
        with transaction.atomic():
            send("payment_failed", context=context, to_account=account, related=invoice)
    except SeatlineError as exc:  # no billing contact, template off: the failure stays recorded
        logger.info("payment_failed e-mail for %s not sent: [%s] %s", invoice.number, exc.code, exc.message)


def _paynow_link(invoice: Invoice) -> str:
    from seatline.payments.paynow import public_link  # paynow imports this module

    try:
        return public_link(invoice)
    except NoReverseMatch:  # the PayNow pages are not installed
        return ""


def refresh_status(invoice: Invoice, day: dt.date) -> None:
    status = status_on(invoice, day)
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status", "updated_at"])
