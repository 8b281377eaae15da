# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Stripe connector (official SDK) against the Stripe simulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from seatline.connectors.payment_errors import (
    ProcessorAuthError,
    ProcessorIdempotencyError,
    RefundExceedsPaymentError,
    WebhookSignatureError,
)
from seatline.connectors.payment_registry import get_processor
from seatline.connectors.payments import (
    ChargeRequest,
    ChargeStatus,
    CheckoutRequest,
    CheckoutStatus,
    CustomerRequest,
    DeclineCode,
    PaymentProcessor,
    ProcessorConfig,
    ProcessorKind,
    RefundRequest,
    RefundStatus,
    SetupRequest,
    SetupStatus,
    TokenSource,
    WebhookEventKind,
)
from seatline.simulators.stripe.server import StripeSimulator
from tests.payments.support import configure_webhooks, deliver, webhook_receiver

SECRET = "whsec_test_secret"


@pytest.fixture
def sim() -> Iterator[StripeSimulator]:
    simulator = StripeSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def stripe_processor(sim: StripeSimulator) -> PaymentProcessor:
    config = ProcessorConfig(
        kind=ProcessorKind.STRIPE, api_key="sk_test_123", webhook_secret=SECRET, base_url=sim.url
    )
    return get_processor(config)


def _charge(
    processor: PaymentProcessor, customer: str, token: str, key: str, amount: str = "12.50"
) -> ChargeRequest:
    return ChargeRequest(
        customer_id=customer,
        payment_method_token=token,
        amount=Decimal(amount),
        currency="USD",
        idempotency_key=key,
        reference="INV-000001",
    )


def _intents(sim: StripeSimulator) -> dict[str, dict[str, object]]:
    return httpx.get(f"{sim.url}/_sim/state").json()["payment_intents"]


@pytest.mark.parametrize(
    ("token", "status", "decline"),
    [
        ("pm_card_visa", ChargeStatus.SUCCEEDED, None),
        ("pm_card_chargeDeclined", ChargeStatus.FAILED, DeclineCode.CARD_DECLINED),
        ("pm_card_chargeDeclinedInsufficientFunds", ChargeStatus.FAILED, DeclineCode.INSUFFICIENT_FUNDS),
        ("pm_card_chargeDeclinedExpiredCard", ChargeStatus.FAILED, DeclineCode.EXPIRED_CARD),
        ("pm_card_authenticationRequired", ChargeStatus.FAILED, DeclineCode.AUTHENTICATION_REQUIRED),
        ("pm_card_chargeDeclinedProcessingError", ChargeStatus.FAILED, DeclineCode.PROCESSING_ERROR),
    ],
)
def test_setup_then_charge_each_behaviour(stripe_processor, sim, token, status, decline):
    customer = stripe_processor.create_customer(
        CustomerRequest(name="Acme Ltd", email="ap@acme.example", reference="A-1")
    )
    method = stripe_processor.add_payment_method(customer.id, TokenSource(token))
    charge = stripe_processor.charge(
        _charge(stripe_processor, customer.id, method.token, "charge:INV-000001:1")
    )
    assert (charge.status, charge.decline_code, charge.amount, charge.currency) == (
        status,
        decline,
        Decimal("12.50"),
        "USD",
    )
    assert (method.customer_id, method.token.startswith("pm_")) == (customer.id, True)
    assert stripe_processor.get_charge(charge.id) == charge


def test_idempotent_retry_charges_once_and_other_params_are_refused(stripe_processor, sim):
    customer = stripe_processor.create_customer(CustomerRequest(name="Acme Ltd"))
    method = stripe_processor.add_payment_method(customer.id, TokenSource("pm_card_visa"))
    first = stripe_processor.charge(
        _charge(stripe_processor, customer.id, method.token, "charge:INV-000001:1")
    )
    again = stripe_processor.charge(
        _charge(stripe_processor, customer.id, method.token, "charge:INV-000001:1")
    )
    assert again == first
    assert list(_intents(sim)) == [first.id]
    with pytest.raises(ProcessorIdempotencyError) as refused:
        stripe_processor.charge(
            _charge(stripe_processor, customer.id, method.token, "charge:INV-000001:1", "13.00")
        )
    assert (refused.value.code, refused.value.http_status) == ("processor_idempotency_conflict", 400)


def test_a_declined_retry_with_the_same_key_is_the_same_decline(stripe_processor, sim):
    customer = stripe_processor.create_customer(CustomerRequest(name="Acme Ltd"))
    method = stripe_processor.add_payment_method(customer.id, TokenSource("pm_card_chargeDeclined"))
    first = stripe_processor.charge(
        _charge(stripe_processor, customer.id, method.token, "charge:INV-000002:1")
    )
    again = stripe_processor.charge(
        _charge(stripe_processor, customer.id, method.token, "charge:INV-000002:1")
    )
    assert (again, len(_intents(sim))) == (first, 1)


def test_behaviour_set_later_through_the_control_api(stripe_processor, sim):
    customer = stripe_processor.create_customer(CustomerRequest(name="Acme Ltd"))
    method = stripe_processor.add_payment_method(customer.id, TokenSource("pm_card_visa"))
    answer = httpx.post(
        f"{sim.url}/_sim/behaviours", json={"token": method.token, "behaviour": "insufficient_funds"}
    )
    assert answer.status_code == 200
    charge = stripe_processor.charge(_charge(stripe_processor, customer.id, method.token, "k1"))
    assert (charge.status, charge.decline_code) == (ChargeStatus.FAILED, DeclineCode.INSUFFICIENT_FUNDS)


def test_full_and_partial_refunds(stripe_processor):
    customer = stripe_processor.create_customer(CustomerRequest(name="Acme Ltd"))
    method = stripe_processor.add_payment_method(customer.id, TokenSource("pm_card_visa"))
    charge = stripe_processor.charge(_charge(stripe_processor, customer.id, method.token, "k1", "100.00"))
    part = stripe_processor.refund(
        RefundRequest(
            charge_id=charge.id, amount=Decimal("30.00"), currency="USD", idempotency_key="refund:1"
        )
    )
    same = stripe_processor.refund(
        RefundRequest(
            charge_id=charge.id, amount=Decimal("30.00"), currency="USD", idempotency_key="refund:1"
        )
    )
    rest = stripe_processor.refund(
        RefundRequest(
            charge_id=charge.id, amount=Decimal("70.00"), currency="USD", idempotency_key="refund:2"
        )
    )
    assert (part.status, part.amount, part.charge_id, same.id) == (
        RefundStatus.SUCCEEDED,
        Decimal("30.00"),
        charge.id,
        part.id,
    )
    assert (rest.amount, rest.id != part.id) == (Decimal("70.00"), True)
    with pytest.raises(RefundExceedsPaymentError):
        stripe_processor.refund(
            RefundRequest(
                charge_id=charge.id, amount=Decimal("0.01"), currency="USD", idempotency_key="refund:3"
            )
        )


def test_hosted_setup_and_checkout(stripe_processor, sim):
    customer = stripe_processor.create_customer(CustomerRequest(name="Acme Ltd"))
    setup = stripe_processor.start_setup(
        SetupRequest(customer_id=customer.id, return_url="http://127.0.0.1/done")
    )
    assert (setup.status, setup.url) == (SetupStatus.OPEN, f"{sim.url}/_sim/checkout/{setup.id}")
    page = httpx.post(setup.url, data={"payment_method": "pm_card_mastercard"})
    assert (page.status_code, page.headers["location"]) == (303, "http://127.0.0.1/done")
    done = stripe_processor.get_setup(setup.id)
    assert (done.status, done.payment_method.label, done.payment_method.customer_id) == (
        SetupStatus.SUCCEEDED,
        "mastercard •••• 4444",
        customer.id,
    )
    checkout = stripe_processor.create_checkout(
        CheckoutRequest(
            amount=Decimal("20.00"),
            currency="USD",
            description="Invoice INV-000003",
            reference="INV-000003",
            success_url="http://127.0.0.1/paid",
            cancel_url="http://127.0.0.1/no",
            idempotency_key="paynow:INV-000003:1",
            customer_id=customer.id,
            save_payment_method=True,
        )
    )
    declined = httpx.post(
        f"{sim.url}/_sim/checkout/{checkout.id}/complete", json={"payment_method": "pm_card_chargeDeclined"}
    )
    assert (declined.status_code, declined.json()["error"]["code"]) == (402, "card_declined")
    assert stripe_processor.get_checkout(checkout.id).status == CheckoutStatus.OPEN
    paid = httpx.post(
        f"{sim.url}/_sim/checkout/{checkout.id}/complete", json={"payment_method": "pm_card_visa"}
    )
    assert paid.status_code == 200
    session = stripe_processor.get_checkout(checkout.id)
    assert (session.status, stripe_processor.get_charge(session.charge_id).status) == (
        CheckoutStatus.COMPLETE,
        ChargeStatus.SUCCEEDED,
    )
    assert (session.payment_method.customer_id, session.payment_method.label) == (
        customer.id,
        "visa •••• 4242",
    )


def test_webhooks_verified_forged_and_replayed(stripe_processor, sim):
    with webhook_receiver() as receiver:
        configure_webhooks(sim.url, receiver.url, SECRET)
        customer = stripe_processor.create_customer(CustomerRequest(name="Acme Ltd"))
        method = stripe_processor.add_payment_method(
            customer.id, TokenSource("pm_card_chargeDeclinedInsufficientFunds")
        )
        charge = stripe_processor.charge(_charge(stripe_processor, customer.id, method.token, "k1"))
        delivered = deliver(sim.url)
        assert {item["status"] for item in delivered} == {200}
        events = [
            event
            for hook in receiver.received
            for event in stripe_processor.parse_webhook(hook.body, hook.headers)
        ]
        failed = [event for event in events if event.kind == WebhookEventKind.CHARGE_FAILED]
        assert [(e.charge_id, e.decline_code, e.type) for e in failed] == [
            (charge.id, DeclineCode.INSUFFICIENT_FUNDS, "payment_intent.payment_failed")
        ]
        hook = receiver.received[-1]
        with pytest.raises(WebhookSignatureError):
            stripe_processor.parse_webhook(hook.body[:-1] + b', "forged": true}', hook.headers)
        with pytest.raises(WebhookSignatureError):
            stripe_processor.parse_webhook(hook.body, {})
        forged = dict(hook.headers, **{"Stripe-Signature": hook.headers["Stripe-Signature"][:-4] + "0000"})
        with pytest.raises(WebhookSignatureError):
            stripe_processor.parse_webhook(hook.body, forged)
        webhook_id = failed[0].id
        replay = httpx.post(f"{sim.url}/_sim/webhooks/{webhook_id}/replay")
        assert (replay.status_code, replay.json()["status"]) == (200, 200)
        replayed = stripe_processor.parse_webhook(receiver.received[-1].body, receiver.received[-1].headers)
        assert replayed == (failed[0],)


def test_bad_api_key_is_an_auth_error(sim):
    processor = get_processor(
        ProcessorConfig(kind=ProcessorKind.STRIPE, api_key="pk_live_nope", base_url=sim.url)
    )
    with pytest.raises(ProcessorAuthError):
        processor.create_customer(CustomerRequest(name="Acme Ltd"))
