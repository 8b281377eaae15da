# SPDX-License-Identifier: AGPL-3.0-or-later
"""The GoCardless connector (official SDK) against the GoCardless simulator over loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from seatline.connectors.payment_errors import (
    ProcessorInvalidRequestError,
    RefundExceedsPaymentError,
    WebhookSignatureError,
)
from seatline.connectors.payment_registry import get_processor
from seatline.connectors.payments import (
    BankAccountSource,
    ChargeRequest,
    ChargeStatus,
    CustomerRequest,
    DeclineCode,
    PaymentMethodKind,
    PaymentProcessor,
    ProcessorConfig,
    ProcessorKind,
    RefundRequest,
    RefundStatus,
    SetupRequest,
    SetupStatus,
    WebhookEventKind,
)
from seatline.simulators.gocardless.server import GoCardlessSimulator
from tests.payments.support import configure_webhooks, deliver, webhook_receiver

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SECRET = "gc-webhook-secret"


@pytest.fixture
def sim() -> Iterator[GoCardlessSimulator]:
    simulator = GoCardlessSimulator(start_time=START).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def gocardless(sim: GoCardlessSimulator) -> PaymentProcessor:
    config = ProcessorConfig(
        kind=ProcessorKind.GOCARDLESS, api_key="sandbox_token", webhook_secret=SECRET, base_url=sim.url
    )
    return get_processor(config)


def _mandate(processor: PaymentProcessor, account_number: str) -> tuple[str, str]:
    customer = processor.create_customer(
        CustomerRequest(name="Acme Ltd", email="ap@acme.example", reference="A-1", country="GB")
    )
    method = processor.add_payment_method(
        customer.id,
        BankAccountSource(
            account_holder_name="Acme Ltd", account_number=account_number, branch_code="200000"
        ),
    )
    assert (method.kind, method.label, method.ready) == (
        PaymentMethodKind.BANK_DEBIT,
        f"bacs •••• {account_number[-2:]}",
        False,
    )
    return customer.id, method.token


def _charge(customer: str, mandate: str, key: str, amount: str = "40.00") -> ChargeRequest:
    return ChargeRequest(
        customer_id=customer,
        payment_method_token=mandate,
        amount=Decimal(amount),
        currency="GBP",
        idempotency_key=key,
        reference="INV-000001",
    )


def _advance(sim: GoCardlessSimulator, duration: str) -> None:
    assert httpx.post(f"{sim.url}/_sim/clock", json={"advance": duration}).status_code == 200


@pytest.mark.parametrize(
    ("account", "status", "decline", "cause"),
    [
        ("55779911", ChargeStatus.SUCCEEDED, None, ""),
        ("55779922", ChargeStatus.FAILED, DeclineCode.INSUFFICIENT_FUNDS, "insufficient_funds"),
        ("55779933", ChargeStatus.FAILED, DeclineCode.CARD_DECLINED, "refer_to_payer"),
        ("55779944", ChargeStatus.FAILED, DeclineCode.EXPIRED_CARD, "mandate_expired"),
        ("55779955", ChargeStatus.FAILED, DeclineCode.AUTHENTICATION_REQUIRED, "authorisation_disputed"),
        ("55779966", ChargeStatus.FAILED, DeclineCode.PROCESSING_ERROR, "other"),
    ],
)
def test_direct_debit_is_pending_until_the_clock_moves(gocardless, sim, account, status, decline, cause):
    customer, mandate = _mandate(gocardless, account)
    charge = gocardless.charge(_charge(customer, mandate, "charge:INV-000001:1"))
    assert (charge.status, charge.amount, charge.currency, charge.payment_method_token) == (
        ChargeStatus.PENDING,
        Decimal("40.00"),
        "GBP",
        mandate,
    )
    _advance(sim, "P3D")  # submitted two days before the charge date (today + 3)
    assert gocardless.get_charge(charge.id).status == ChargeStatus.PENDING
    _advance(sim, "P1D")  # the day after the charge date: confirmed or failed
    settled = gocardless.get_charge(charge.id)
    assert (settled.status, settled.decline_code, settled.processor_code) == (status, decline, cause)


def test_idempotent_retry_creates_one_payment(gocardless, sim):
    customer, mandate = _mandate(gocardless, "55779911")
    first = gocardless.charge(_charge(customer, mandate, "charge:INV-000001:1"))
    again = gocardless.charge(_charge(customer, mandate, "charge:INV-000001:1"))
    other_body = gocardless.charge(_charge(customer, mandate, "charge:INV-000001:1", "41.00"))
    payments = httpx.get(f"{sim.url}/_sim/state").json()["payments"]
    assert (again.id, other_body.id, list(payments)) == (first.id, first.id, [first.id])


def test_scenario_simulator_and_refunds(gocardless, sim):
    customer, mandate = _mandate(gocardless, "55779911")
    charge = gocardless.charge(_charge(customer, mandate, "k1", "100.00"))
    with pytest.raises(ProcessorInvalidRequestError) as early:
        gocardless.refund(
            RefundRequest(charge_id=charge.id, amount=Decimal("10.00"), currency="GBP", idempotency_key="r0")
        )
    assert early.value.processor_code == "refund_payment_invalid_state"
    gocardless._client.scenario_simulators.run("payment_confirmed", params={"links": {"resource": charge.id}})
    assert gocardless.get_charge(charge.id).status == ChargeStatus.SUCCEEDED
    part = gocardless.refund(
        RefundRequest(charge_id=charge.id, amount=Decimal("30.00"), currency="GBP", idempotency_key="r1")
    )
    same = gocardless.refund(
        RefundRequest(charge_id=charge.id, amount=Decimal("30.00"), currency="GBP", idempotency_key="r1")
    )
    rest = gocardless.refund(
        RefundRequest(charge_id=charge.id, amount=Decimal("70.00"), currency="GBP", idempotency_key="r2")
    )
    assert (part.amount, part.status, same.id, rest.amount) == (
        Decimal("30.00"),
        RefundStatus.PENDING,
        part.id,
        Decimal("70.00"),
    )
    with pytest.raises(RefundExceedsPaymentError):
        gocardless.refund(
            RefundRequest(charge_id=charge.id, amount=Decimal("0.01"), currency="GBP", idempotency_key="r3")
        )


def test_hosted_mandate_setup(gocardless, sim):
    customer = gocardless.create_customer(CustomerRequest(name="Acme Ltd", country="GB"))
    setup = gocardless.start_setup(
        SetupRequest(
            customer_id=customer.id,
            return_url="http://127.0.0.1/done",
            currency="GBP",
            kind=PaymentMethodKind.BANK_DEBIT,
        )
    )
    assert (setup.status, gocardless.get_setup(setup.id).status) == (SetupStatus.OPEN, SetupStatus.OPEN)
    page = httpx.post(setup.url, data={"account_holder_name": "Acme Ltd", "account_number": "55779922"})
    assert (page.status_code, page.headers["location"]) == (303, "http://127.0.0.1/done")
    done = gocardless.get_setup(setup.id)
    assert (done.status, done.payment_method.label, done.payment_method.customer_id) == (
        SetupStatus.SUCCEEDED,
        "bacs •••• 22",
        customer.id,
    )


def test_webhooks_carry_the_async_outcome_and_reject_forgeries(gocardless, sim):
    with webhook_receiver() as receiver:
        configure_webhooks(sim.url, receiver.url, SECRET)
        customer, mandate = _mandate(gocardless, "55779922")
        charge = gocardless.charge(_charge(customer, mandate, "k1"))
        _advance(sim, "P4D")
        assert {item["status"] for item in deliver(sim.url)} == {200}
        events = [
            event for hook in receiver.received for event in gocardless.parse_webhook(hook.body, hook.headers)
        ]
        outcome = [
            (e.kind, e.charge_id, e.decline_code)
            for e in events
            if e.charge_id == charge.id and e.kind != WebhookEventKind.OTHER
        ]
        assert outcome == [
            (WebhookEventKind.CHARGE_PENDING, charge.id, None),
            (WebhookEventKind.CHARGE_FAILED, charge.id, DeclineCode.INSUFFICIENT_FUNDS),
        ]
        active = [e.payment_method_token for e in events if e.kind == WebhookEventKind.PAYMENT_METHOD_READY]
        assert active == [mandate]
        hook = receiver.received[-1]
        with pytest.raises(WebhookSignatureError):
            gocardless.parse_webhook(hook.body + b" ", hook.headers)
        with pytest.raises(WebhookSignatureError):
            gocardless.parse_webhook(hook.body, {"Webhook-Signature": "0" * 64})
        webhook_id = httpx.get(f"{sim.url}/_sim/webhooks/deliveries").json()["webhooks"][-1]["id"]
        assert httpx.post(f"{sim.url}/_sim/webhooks/{webhook_id}/replay").json()["status"] == 200
        assert receiver.received[-1].body == hook.body
