# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Authorize.Net connector (official SDK) against the Authorize.Net simulator over loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from authorizenet import apicontractsv1

from seatline.connectors.payment_errors import (
    ProcessorAuthError,
    RefundExceedsPaymentError,
    WebhookSignatureError,
)
from seatline.connectors.payment_registry import get_processor
from seatline.connectors.payments import (
    ChargeRequest,
    ChargeStatus,
    CustomerRequest,
    DeclineCode,
    PaymentProcessor,
    ProcessorConfig,
    ProcessorKind,
    RefundRequest,
    TokenSource,
    WebhookEventKind,
)
from seatline.simulators.authorizenet.server import DEFAULT_SIGNATURE_KEY, AuthorizeNetSimulator
from tests.payments.support import configure_webhooks, deliver, webhook_receiver

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sim() -> Iterator[AuthorizeNetSimulator]:
    simulator = AuthorizeNetSimulator(start_time=START).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def anet(sim: AuthorizeNetSimulator) -> PaymentProcessor:
    config = ProcessorConfig(
        kind=ProcessorKind.AUTHORIZENET,
        account_id="login",
        api_key="txn-key",
        webhook_secret=DEFAULT_SIGNATURE_KEY,
        base_url=sim.url,
    )
    return get_processor(config)


def _method(anet: PaymentProcessor, card: str) -> tuple[str, str]:
    customer = anet.create_customer(
        CustomerRequest(name="Acme Ltd", email="ap@acme.example", reference="A-1")
    )
    method = anet.add_payment_method(customer.id, TokenSource(f"nonce-{card}"))
    assert (method.customer_id, method.label) == (customer.id, f"visa •••• {card[-4:]}")
    return customer.id, method.token


def _charge(customer: str, token: str, key: str, amount: str = "25.00") -> ChargeRequest:
    return ChargeRequest(
        customer_id=customer,
        payment_method_token=token,
        amount=Decimal(amount),
        currency="USD",
        idempotency_key=key,
        reference="INV-1",
    )


@pytest.mark.parametrize(
    ("card", "status", "decline", "reason"),
    [
        ("4111111111111111", ChargeStatus.SUCCEEDED, None, ""),
        ("4000000000000002", ChargeStatus.FAILED, DeclineCode.CARD_DECLINED, "2"),
        (
            "4000000000009995",
            ChargeStatus.FAILED,
            DeclineCode.CARD_DECLINED,
            "2",
        ),  # no distinct reason at the gateway
        ("4000000000000069", ChargeStatus.FAILED, DeclineCode.EXPIRED_CARD, "8"),
        ("4000002760003184", ChargeStatus.FAILED, DeclineCode.CARD_DECLINED, "2"),  # likewise
        ("4000000000000119", ChargeStatus.FAILED, DeclineCode.PROCESSING_ERROR, "19"),
    ],
)
def test_profile_then_charge_each_behaviour(anet, card, status, decline, reason):
    customer, token = _method(anet, card)
    charge = anet.charge(_charge(customer, token, "charge:INV-1:1"))
    assert (charge.status, charge.decline_code, charge.processor_code, charge.amount) == (
        status,
        decline,
        reason,
        Decimal("25.00"),
    )


def test_retry_with_the_same_key_is_a_duplicate_answered_with_the_first_transaction(anet, sim):
    customer, token = _method(anet, "4111111111111111")
    first = anet.charge(_charge(customer, token, "charge:INV-000001:1"))
    again = anet.charge(_charge(customer, token, "charge:INV-000001:1"))
    other = anet.charge(_charge(customer, token, "charge:INV-000001:2"))
    transactions = httpx.get(f"{sim.url}/_sim/state").json()["transactions"]
    assert (again, sorted(transactions)) == (first, sorted([first.id, other.id]))


def test_refunds_void_before_settlement_and_refund_after(anet, sim):
    customer, token = _method(anet, "4111111111111111")
    unsettled = anet.charge(_charge(customer, token, "k1"))
    voided = anet.refund(
        RefundRequest(charge_id=unsettled.id, amount=Decimal("25.00"), currency="USD", idempotency_key="r0")
    )
    assert (voided.amount, anet.get_charge(unsettled.id).status) == (Decimal("25.00"), ChargeStatus.FAILED)
    charge = anet.charge(_charge(customer, token, "k2", "100.00"))
    assert httpx.post(f"{sim.url}/_sim/clock", json={"advance": "P1D"}).status_code == 200
    part = anet.refund(
        RefundRequest(charge_id=charge.id, amount=Decimal("40.00"), currency="USD", idempotency_key="r1")
    )
    rest = anet.refund(
        RefundRequest(charge_id=charge.id, amount=Decimal("60.00"), currency="USD", idempotency_key="r2")
    )
    assert (part.amount, rest.amount, part.id != rest.id) == (Decimal("40.00"), Decimal("60.00"), True)
    with pytest.raises(RefundExceedsPaymentError):
        anet.refund(
            RefundRequest(charge_id=charge.id, amount=Decimal("0.01"), currency="USD", idempotency_key="r3")
        )


def test_simulator_answers_validate_against_the_sdk_bindings(anet, sim):
    customer, token = _method(anet, "4111111111111111")
    charge = anet.charge(_charge(customer, token, "k1"))
    body = (
        '<getTransactionDetailsRequest xmlns="AnetApi/xml/v1/schema/AnetApiSchema.xsd"><merchantAuthentication>'
        f"<name>login</name><transactionKey>k</transactionKey></merchantAuthentication><transId>{charge.id}</transId>"
        "</getTransactionDetailsRequest>"
    )
    raw = httpx.post(f"{sim.url}/xml/v1/request.api", content=body.encode()).content
    assert raw.startswith(b"\xef\xbb\xbf")
    parsed = apicontractsv1.CreateFromDocument(raw[3:].decode("utf-8"))
    assert (str(parsed.transaction.transId), str(parsed.transaction.transactionStatus)) == (
        charge.id,
        "capturedPendingSettlement",
    )


def test_bad_credentials(sim):
    assert httpx.post(f"{sim.url}/_sim/config", json={"login_id": "right"}).status_code == 200
    processor = get_processor(
        ProcessorConfig(kind=ProcessorKind.AUTHORIZENET, account_id="wrong", api_key="k", base_url=sim.url)
    )
    with pytest.raises(ProcessorAuthError) as refused:
        processor.create_customer(CustomerRequest(name="Acme Ltd", reference="A-1"))
    assert refused.value.processor_code == "E00007"


def test_webhooks_signed_with_the_signature_key(anet, sim):
    with webhook_receiver() as receiver:
        configure_webhooks(sim.url, receiver.url, DEFAULT_SIGNATURE_KEY)
        customer, token = _method(anet, "4000000000000002")
        charge = anet.charge(_charge(customer, token, "k1"))
        assert {item["status"] for item in deliver(sim.url)} == {200}
        events = [
            event for hook in receiver.received for event in anet.parse_webhook(hook.body, hook.headers)
        ]
        assert [(e.kind, e.charge_id) for e in events if e.charge_id] == [
            (WebhookEventKind.CHARGE_FAILED, charge.id)
        ]
        hook = receiver.received[-1]
        signature = {name.lower(): value for name, value in hook.headers.items()}["x-anet-signature"]
        assert (signature.startswith("sha512="), len(signature)) == (True, 7 + 128)
        with pytest.raises(WebhookSignatureError):
            anet.parse_webhook(hook.body + b" ", hook.headers)
        with pytest.raises(WebhookSignatureError):
            anet.parse_webhook(hook.body, {"X-ANET-Signature": "sha512=" + "0" * 128})
