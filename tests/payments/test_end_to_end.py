# SPDX-License-Identifier: AGPL-3.0-or-later
"""End to end over loopback, per processor: a profile is created at the processor's simulator,
an invoice charged, part of the payment refunded, and the simulator's signed webhooks received
by Seatline's live endpoint /webhooks/<kind>/<id>/. GoCardless charges are pending until the
bank's outcome arrives as a webhook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from seatline.connectors.payments import BankAccountSource, TokenSource
from seatline.invoicing.services import generate_regular_invoice
from seatline.payments.charging import charge
from seatline.payments.models import ChargeAttempt, PaymentProcessor, Refund, WebhookEvent
from seatline.payments.profiles import add_profile
from seatline.payments.refunds import refund_payment
from seatline.simulators.authorizenet.server import DEFAULT_SIGNATURE_KEY, AuthorizeNetSimulator
from seatline.simulators.gocardless.server import GoCardlessSimulator
from seatline.simulators.stripe.server import StripeSimulator
from tests import billing_factories as factories

pytestmark = pytest.mark.django_db(transaction=True)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _invoice(currency: str):
    account = factories.account(currency=currency)
    contract = factories.contract(account, frequency="monthly", currency=currency)
    factories.subscription(contract, quantity=10, price=Decimal("12.00"))
    invoice = generate_regular_invoice(
        contract=contract, cycle_start=dt.date(2018, 1, 1), run_date=dt.date(2018, 1, 2)
    )
    invoice.refresh_from_db()
    return invoice


def _hook_up(sim, live_server, processor: PaymentProcessor) -> None:
    url = f"{live_server.url}/webhooks/{processor.kind}/{processor.pk}/"
    response = httpx.post(
        f"{sim.url}/_sim/webhooks", json={"url": url, "secret": processor.webhook_secret, "auto": False}
    )
    assert response.status_code == 200, response.text


def _deliver(sim) -> list[int]:
    response = httpx.post(f"{sim.url}/_sim/webhooks/deliver", timeout=60)
    assert response.status_code == 200, response.text
    return sorted({item["status"] for item in response.json()["delivered"]})


def _processor(kind: str, sim, secret: str, **fields: str) -> PaymentProcessor:
    return PaymentProcessor.objects.create(
        kind=kind,
        name=kind,
        api_key=fields.pop("api_key", "key"),
        webhook_secret=secret,
        base_url=sim.url,
        **fields,
    )


def test_stripe_profile_charge_refund_webhooks(live_server):
    sim = StripeSimulator().start()
    try:
        processor = _processor("stripe", sim, "whsec_e2e", api_key="sk_test_e2e")
        _hook_up(sim, live_server, processor)
        invoice = _invoice("USD")
        profile = add_profile(
            account=invoice.account, processor=processor, source=TokenSource("pm_card_visa")
        )
        attempt = charge(invoice=invoice, profile=profile)
        refund = refund_payment(payment=attempt.payment, amount="20.00")
        assert _deliver(sim) == [200]
    finally:
        sim.stop()
    invoice.refresh_from_db()
    assert (attempt.status, invoice.balance, refund.processor_refund_id.startswith("re_")) == (
        "succeeded",
        Decimal("20.0000"),
        True,
    )
    outcomes = dict(WebhookEvent.objects.filter(processor=processor).values_list("type", "outcome"))
    assert outcomes["payment_intent.succeeded"] == "charge succeeded->succeeded"
    assert outcomes["customer.created"] == "ignored"
    assert "refund.created" in outcomes or "charge.refunded" in outcomes


def test_gocardless_pending_direct_debit_settles_through_the_webhook(live_server):
    sim = GoCardlessSimulator().start()  # its clock is now: Seatline asks for collection today
    try:
        processor = _processor("gocardless", sim, "gc-e2e-secret", currency="GBP")
        _hook_up(sim, live_server, processor)
        invoice = _invoice("GBP")
        invoice.account.country = "GB"
        invoice.account.save()
        profile = add_profile(
            account=invoice.account,
            processor=processor,
            source=BankAccountSource(
                account_holder_name="Wingtip", account_number="55779911", branch_code="200000"
            ),
        )
        attempt = charge(invoice=invoice, profile=profile)
        assert (profile.kind, attempt.status) == ("bank_debit", "pending")
        invoice.refresh_from_db()
        assert invoice.balance == Decimal("120.0000")  # nothing paid yet, but held by the charge
        assert httpx.post(f"{sim.url}/_sim/clock", json={"advance": "P4D"}).status_code == 200
        assert _deliver(sim) == [200]
        attempt.refresh_from_db()
        invoice.refresh_from_db()
        assert (attempt.status, invoice.status, invoice.balance) == ("succeeded", "paid", 0)
        refund = refund_payment(payment=attempt.payment, amount="30.00")
    finally:
        sim.stop()
    invoice.refresh_from_db()
    assert (refund.amount, invoice.balance, Refund.objects.count()) == (
        Decimal("30.0000"),
        Decimal("30.0000"),
        1,
    )
    assert WebhookEvent.objects.filter(processor=processor, outcome="charge pending->succeeded").count() == 1


def test_authorizenet_profile_charge_refund_webhooks(live_server):
    sim = AuthorizeNetSimulator(start_time=START).start()
    try:
        processor = _processor(
            "authorizenet", sim, DEFAULT_SIGNATURE_KEY, account_id="login", api_key="txn-key"
        )
        _hook_up(sim, live_server, processor)
        invoice = _invoice("USD")
        profile = add_profile(
            account=invoice.account, processor=processor, source=TokenSource("nonce-4111111111111111")
        )
        attempt = charge(invoice=invoice, profile=profile, amount="100.00")
        assert httpx.post(f"{sim.url}/_sim/clock", json={"advance": "P1D"}).status_code == 200  # settled
        refund = refund_payment(payment=attempt.payment, amount="40.00")
        assert _deliver(sim) == [200]
    finally:
        sim.stop()
    invoice.refresh_from_db()
    assert (attempt.status, invoice.balance, refund.amount) == (
        "succeeded",
        Decimal("60.0000"),
        Decimal("40.0000"),
    )
    assert profile.label == "visa •••• 1111"
    charged = WebhookEvent.objects.filter(processor=processor, outcome="charge succeeded->succeeded")
    assert charged.count() == 1
    assert ChargeAttempt.objects.get().processor_transaction_id == attempt.processor_transaction_id
