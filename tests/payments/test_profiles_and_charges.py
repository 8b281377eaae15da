# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payment profiles and manual charges against the Stripe simulator (docs/billing.md 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.errors import SeatlineError
from seatline.payments.charging import charge
from seatline.payments.models import ChargeAttempt, Payment, PaymentProfile
from seatline.payments.profiles import deactivate_profile, profile_for, set_contract_collection, set_default
from tests import billing_factories as factories
from tests.payments.collect_support import auto_contract, intents, invoice_for, processor, profile, stripe_sim

__all__ = ["processor", "stripe_sim"]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day():
    with clock.frozen(dt.date(2018, 1, 5)):
        yield


def test_profiles_store_tokens_only_and_keep_exactly_one_default(processor):
    account = factories.account()
    first = profile(account, processor)
    second = profile(account, processor)
    assert (first.status, first.is_default, first.label, first.method_token.startswith("pm_")) == (
        "active",
        True,
        first.label,
        True,
    )
    assert (second.is_default, second.customer_token) == (False, first.customer_token)
    set_default(profile=second)
    assert list(
        PaymentProfile.objects.filter(account=account, is_default=True).values_list("pk", flat=True)
    ) == [second.pk]
    deactivate_profile(profile=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default, second.status) == (True, False, "inactive")
    with pytest.raises(SeatlineError) as refused:
        set_default(profile=second)
    assert refused.value.code == "profile_not_active"
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentProfile.objects.filter(pk=second.pk).update(is_default=True)


def test_contract_profile_wins_over_the_account_default(processor):
    contract = auto_contract()
    default = profile(contract.account, processor)
    own = profile(contract.account, processor)
    invoice = invoice_for(contract)
    assert profile_for(invoice) == default
    set_contract_collection(contract=contract, auto_charge=True, profile=own)
    assert profile_for(invoice) == own
    deactivate_profile(profile=own)
    assert profile_for(invoice) == default
    other = profile(factories.account(name="Other"), processor)
    with pytest.raises(SeatlineError) as refused:
        set_contract_collection(contract=contract, auto_charge=True, profile=other)
    assert refused.value.code == "profile_of_other_account"


def test_manual_charge_partial_then_rest_and_over_balance_refused(processor, stripe_sim):
    contract = auto_contract(auto_charge=False)
    card = profile(contract.account, processor)
    invoice = invoice_for(contract)
    assert invoice.balance == Decimal("120.0000")
    first = charge(invoice=invoice, profile=card, amount="20.00")
    invoice.refresh_from_db()
    assert (first.status, first.idempotency_key, invoice.balance, invoice.status) == (
        "succeeded",
        f"charge:{invoice.number}:1",
        Decimal("100.0000"),
        "partially_paid",
    )
    with pytest.raises(SeatlineError) as refused:
        charge(invoice=invoice, profile=card, amount="100.01")
    assert refused.value.code == "payment_exceeds_balance"
    rest = charge(invoice=invoice, profile=card)
    invoice.refresh_from_db()
    assert (rest.amount, invoice.balance, invoice.status) == (Decimal("100.0000"), 0, "paid")
    assert [p.processor_transaction_id for p in Payment.objects.filter(invoice=invoice).order_by("id")] == [
        first.processor_transaction_id,
        rest.processor_transaction_id,
    ]
    assert len(intents(stripe_sim)) == 2
    assert AuditEvent.objects.filter(action="charge_started").count() == 2


def test_a_declined_manual_charge_records_the_attempt_and_leaves_the_balance(processor):
    contract = auto_contract(auto_charge=False)
    card = profile(contract.account, processor, "insufficient_funds")
    invoice = invoice_for(contract)
    attempt = charge(invoice=invoice, profile=card)
    invoice.refresh_from_db()
    assert (attempt.status, attempt.code, invoice.balance, invoice.status) == (
        "failed",
        "insufficient_funds",
        Decimal("120.0000"),
        "billed",
    )
    assert Payment.objects.filter(invoice=invoice).count() == 0


def test_an_unfinished_attempt_is_sent_again_with_its_key_and_charges_once(processor, stripe_sim):
    from seatline.connectors.payments import ChargeRequest
    from seatline.payments.charging import send_charge, start_charge
    from seatline.payments.connections import connector

    contract = auto_contract(auto_charge=False)
    card = profile(contract.account, processor)
    invoice = invoice_for(contract)
    attempt = start_charge(invoice=invoice, profile=card, trigger="auto")
    # the processor accepted it, then the worker died before recording the outcome
    connector(processor).charge(
        ChargeRequest(
            customer_id=card.customer_token,
            payment_method_token=card.method_token,
            amount=Decimal("120.00"),
            currency="USD",
            idempotency_key=attempt.idempotency_key,
            description=f"Invoice {invoice.number}",
            reference=invoice.number,
        )
    )
    with pytest.raises(SeatlineError) as held:
        from seatline.payments.services import record_payment

        record_payment(invoice=invoice, amount="1.00")
    assert held.value.code == "payment_exceeds_balance"
    again = start_charge(invoice=invoice, profile=card, trigger="auto")
    assert again.pk == attempt.pk
    done = send_charge(again)
    invoice.refresh_from_db()
    assert (done.status, invoice.status, len(intents(stripe_sim))) == ("succeeded", "paid", 1)
    assert ChargeAttempt.objects.filter(invoice=invoice).count() == 1
