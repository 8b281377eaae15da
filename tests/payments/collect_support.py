# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared pieces of the collection tests: a Stripe simulator, a processor row, auto-charge
contracts with invoices, profiles with a given behaviour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from seatline.connectors.payments import TokenSource
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import generate_regular_invoice
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from seatline.payments.models import PaymentProcessor, PaymentProfile
from seatline.payments.profiles import add_profile, set_contract_collection
from seatline.simulators.stripe.server import StripeSimulator
from tests import billing_factories as factories

TOKENS = {
    "succeed": "pm_card_visa",
    "card_declined": "pm_card_chargeDeclined",
    "insufficient_funds": "pm_card_chargeDeclinedInsufficientFunds",
    "expired_card": "pm_card_chargeDeclinedExpiredCard",
    "authentication_required": "pm_card_authenticationRequired",
}
SECRET = "whsec_collect"


@pytest.fixture
def stripe_sim() -> Iterator[StripeSimulator]:
    simulator = StripeSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def processor(db: None, stripe_sim: StripeSimulator) -> PaymentProcessor:
    return PaymentProcessor.objects.create(
        kind="stripe",
        name="Stripe",
        api_key="sk_test_collect",
        webhook_secret=SECRET,
        base_url=stripe_sim.url,
    )


def profile(
    account: Account, processor: PaymentProcessor, behaviour: str = "succeed", **kw: object
) -> PaymentProfile:
    return add_profile(account=account, processor=processor, source=TokenSource(TOKENS[behaviour]), **kw)  # type: ignore[arg-type]


def set_behaviour(sim: StripeSimulator, token: str, behaviour: str) -> None:
    response = httpx.post(f"{sim.url}/_sim/behaviours", json={"token": token, "behaviour": behaviour})
    assert response.status_code == 200, response.text


def intents(sim: StripeSimulator) -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = httpx.get(f"{sim.url}/_sim/state").json()["payment_intents"]
    return data


def auto_contract(*, auto_charge: bool = True, terms: str = "net30") -> BillingContract:
    contract = factories.contract(payment_terms=terms, frequency="monthly")
    factories.subscription(contract, quantity=10, price=Decimal("12.00"))
    set_contract_collection(contract=contract, auto_charge=auto_charge)
    return contract


def invoice_for(contract: BillingContract, month: int = 1) -> Invoice:
    invoice = generate_regular_invoice(
        contract=contract, cycle_start=dt.date(2018, month, 1), run_date=dt.date(2018, month, 1)
    )
    assert invoice is not None
    invoice.refresh_from_db()
    return invoice


def run_collections(day: dt.date) -> None:
    """What the daily schedule does: the collections job, then the charge jobs it enqueues."""
    enqueue("charge_invoice", parameters={"run_date": day.isoformat()}, dedupe_key=f"collect:{day}")
    Worker(name=f"test:{day}").run_until_idle()
