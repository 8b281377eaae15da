# SPDX-License-Identifier: AGPL-3.0-or-later
"""Processor webhooks: verified, deduplicated by event id, stored raw, then applied.

* The connector verifies the signature; a bad or missing one raises `WebhookSignatureError`
  (the view answers 400) and nothing is recorded.
* An event id already stored for the processor changes nothing (a replay).
* Charge outcomes move attempts: `started`/`pending` to succeeded or failed; a success after a
  failure (events out of order) wins and records the payment; a failure after a success is
  ignored. Refund events for refunds Seatline made are recorded by the refund service already.
* Payment methods ready (a mandate active, a card saved) activate the pending profile.
* Unknown event types are stored, ignored and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from seatline import clock
from seatline.connectors.payments import (
    Charge,
    ChargeStatus,
    DeclineCode,
    PaymentMethod,
    PaymentMethodKind,
    WebhookEventKind,
)
from seatline.connectors.payments import WebhookEvent as ProcessorEvent
from seatline.invoicing.models import Invoice
from seatline.payments.charging import record_outcome
from seatline.payments.connections import connector
from seatline.payments.models import ChargeAttempt, PaymentProcessor, PaymentProfile, WebhookEvent
from seatline.payments.paynow import finish_checkout
from seatline.payments.profiles import activate_profile

logger = logging.getLogger("seatline.payments")


@dataclass(frozen=True)
class EventOutcome:
    event_id: str
    type: str
    outcome: str


def receive(*, processor: PaymentProcessor, body: bytes, headers: Mapping[str, str]) -> list[EventOutcome]:
    """Verify and apply a webhook delivery; raises `WebhookSignatureError` before writing anything."""
    events = connector(processor).parse_webhook(body, headers)
    raw = body.decode("utf-8", errors="replace")
    return [_receive_one(processor, event, raw) for event in events]


def _receive_one(processor: PaymentProcessor, event: ProcessorEvent, raw: str) -> EventOutcome:
    try:
        with transaction.atomic():
            if WebhookEvent.objects.filter(processor=processor, event_id=event.id).exists():
                return EventOutcome(event.id, event.type, "duplicate")
            row = WebhookEvent.objects.create(
                processor=processor,
                event_id=event.id,
                type=event.type,
                kind=str(event.kind),
                object_id=event.object_id,
                raw_body=raw,
                received_at=clock.now(),
            )
            outcome = _apply(processor, event)
            row.outcome = outcome
            row.save(update_fields=["outcome"])
    except IntegrityError:  # the same event delivered concurrently
        return EventOutcome(event.id, event.type, "duplicate")
    if outcome == "ignored":
        logger.info("processor %s event %s (%s) ignored", processor.pk, event.id, event.type)
    return EventOutcome(event.id, event.type, outcome)


def _attempt(processor: PaymentProcessor, charge_id: str) -> ChargeAttempt | None:
    if not charge_id:
        return None
    return (
        ChargeAttempt.objects.filter(processor=processor, processor_transaction_id=charge_id)
        .select_related("invoice")
        .first()
    )


def _apply(processor: PaymentProcessor, event: ProcessorEvent) -> str:
    kind = event.kind
    if kind in (WebhookEventKind.CHARGE_SUCCEEDED, WebhookEventKind.CHARGE_FAILED):
        attempt = _attempt(processor, event.charge_id)
        if attempt is None:
            return "unknown_charge"
        succeeded = kind == WebhookEventKind.CHARGE_SUCCEEDED
        charge = Charge(
            id=event.charge_id,
            status=ChargeStatus.SUCCEEDED if succeeded else ChargeStatus.FAILED,
            amount=attempt.amount,
            currency=attempt.currency,
            decline_code=None if succeeded else (event.decline_code or DeclineCode.PROCESSING_ERROR),
            processor_code=event.processor_code,
            message=event.message,
        )
        before = attempt.status
        after = record_outcome(attempt=attempt, charge=charge).status
        return f"charge {before}->{after}"
    if kind == WebhookEventKind.PAYMENT_METHOD_READY and event.payment_method_token:
        profile = (
            PaymentProfile.objects.filter(
                processor=processor, status=PaymentProfile.Status.PENDING, setup_token=event.object_id
            ).first()
            or PaymentProfile.objects.filter(
                processor=processor,
                status=PaymentProfile.Status.PENDING,
                method_token=event.payment_method_token,
            ).first()
        )
        if profile is None:
            return "unknown_profile"
        method = PaymentMethod(
            token=event.payment_method_token,
            customer_id=profile.customer_token,
            kind=PaymentMethodKind.BANK_DEBIT
            if profile.kind == PaymentProfile.Kind.BANK_DEBIT
            else PaymentMethodKind.CARD,
            label=profile.label or profile.get_kind_display(),
        )
        activate_profile(profile, method, make_default=None)
        return "profile_activated"
    if kind == WebhookEventKind.CHECKOUT_COMPLETED and event.reference and event.object_id:
        # A PayNow checkout completed: recorded here too, so a customer who closes the browser
        # before coming back to Seatline is not lost (`finish_checkout` records it once).
        invoice = Invoice.objects.filter(number=event.reference).first()
        if invoice is None:
            return "unknown_invoice"
        attempt = finish_checkout(invoice=invoice, session_id=event.object_id)
        return "checkout_not_complete" if attempt is None else f"checkout {attempt.status}"
    if kind in (
        WebhookEventKind.CHARGE_PENDING,
        WebhookEventKind.REFUND_SUCCEEDED,
        WebhookEventKind.REFUND_FAILED,
    ):
        return "noted"
    return "ignored"
