# SPDX-License-Identifier: AGPL-3.0-or-later
"""Auto-charge through the daily `charge_invoice` job, dunning retries, credit hold, overdue,
credit application and refunds (docs/billing.md 12), against the Stripe simulator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline import clock
from seatline.configuration.models import Configuration
from seatline.errors import SeatlineError
from seatline.invoicing.services import create_credit_note
from seatline.notifications.models import OutgoingEmail
from seatline.payments.models import ChargeAttempt, CreditApplication, Dunning, Refund
from seatline.payments.refunds import refund_invoice, refund_payment
from seatline.payments.services import record_payment
from tests.payments.collect_support import (
    auto_contract,
    intents,
    invoice_for,
    processor,
    profile,
    run_collections,
    set_behaviour,
    stripe_sim,
)

__all__ = ["processor", "stripe_sim"]
pytestmark = pytest.mark.django_db
D = dt.date


def days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        with clock.frozen(day):
            run_collections(day)
        day += dt.timedelta(days=1)


def attempts(invoice) -> list[tuple[str, str, str]]:
    return [
        (a.date.isoformat(), a.status, a.code)
        for a in ChargeAttempt.objects.filter(invoice=invoice).order_by("number")
    ]


@pytest.fixture
def setup(processor):
    with clock.frozen(D(2018, 1, 1)):
        contract = auto_contract(terms="net15")
        contract.account.contacts.create(
            first_name="B", last_name="C", email="ap@wingtip.example", role="billing", is_primary=True
        )
        yield contract


def test_auto_charge_on_the_due_date_pays_the_whole_balance(setup, processor, stripe_sim):
    with clock.frozen(D(2018, 1, 1)):
        card = profile(setup.account, processor)
        invoice = invoice_for(setup)
    assert invoice.due_date == D(2018, 1, 16)
    days(D(2018, 1, 1), D(2018, 1, 15))
    assert attempts(invoice) == []
    days(D(2018, 1, 16), D(2018, 1, 20))
    invoice.refresh_from_db()
    assert attempts(invoice) == [("2018-01-16", "succeeded", "")]
    assert (invoice.status, invoice.balance) == ("paid", 0)
    (intent,) = intents(stripe_sim).values()
    assert (intent["amount"], intent["customer"], intent["payment_method"]) == (
        12000,
        card.customer_token,
        card.method_token,
    )
    assert ChargeAttempt.objects.get(invoice=invoice).idempotency_key == f"charge:{invoice.number}:1"


def test_decline_then_recovery_on_the_second_retry_and_failure_emails(setup, processor, stripe_sim, settings):
    settings.SEATLINE_PUBLIC_URL = "https://billing.example"
    with clock.frozen(D(2018, 1, 1)):
        card = profile(setup.account, processor, "card_declined")
        invoice = invoice_for(setup)
    days(D(2018, 1, 16), D(2018, 1, 22))
    set_behaviour(stripe_sim, card.method_token, "succeed")
    days(D(2018, 1, 23), D(2018, 2, 10))
    invoice.refresh_from_db()
    assert attempts(invoice) == [
        ("2018-01-16", "failed", "card_declined"),
        ("2018-01-19", "failed", "card_declined"),
        ("2018-01-23", "succeeded", ""),
    ]
    assert (invoice.status, invoice.balance) == ("paid", 0)
    emails = OutgoingEmail.objects.filter(template_key="payment_failed").order_by("id")
    assert emails.count() == 2
    assert "https://billing.example/pay/invoice/" in emails[0].text_body
    assert "try again on Jan 23, 2018" in emails[1].text_body  # the next attempt (en-US)
    assert Dunning.objects.get(invoice=invoice).status == "done"


def test_authentication_required_stops_retries_and_sets_the_credit_hold(setup, processor):
    config = Configuration.get()
    config.dunning_credit_hold = True
    config.save()
    with clock.frozen(D(2018, 1, 1)):
        profile(setup.account, processor, "authentication_required")
        invoice = invoice_for(setup)
    days(D(2018, 1, 16), D(2018, 2, 5))
    invoice.refresh_from_db()
    setup.account.refresh_from_db()
    assert attempts(invoice) == [("2018-01-16", "failed", "authentication_required")]
    assert (invoice.status, setup.account.dunning_hold, setup.account.credit_hold) == ("overdue", True, False)
    with clock.frozen(D(2018, 2, 6)):
        record_payment(invoice=invoice, amount=invoice.balance)
    days(D(2018, 2, 6), D(2018, 2, 6))
    setup.account.refresh_from_db()
    assert setup.account.dunning_hold is False


def test_credit_hold_after_the_last_retry_and_a_payment_cancels_retries(setup, processor, stripe_sim):
    config = Configuration.get()
    config.dunning_credit_hold = True
    config.dunning_retry_days = [3, 7]
    config.save()
    with clock.frozen(D(2018, 1, 1)):
        profile(setup.account, processor, "insufficient_funds")
        invoice = invoice_for(setup)
    days(D(2018, 1, 16), D(2018, 1, 22))
    setup.account.refresh_from_db()
    assert setup.account.dunning_hold is False
    days(D(2018, 1, 23), D(2018, 2, 20))
    invoice.refresh_from_db()
    setup.account.refresh_from_db()
    assert [a[0] for a in attempts(invoice)] == ["2018-01-16", "2018-01-19", "2018-01-23"]
    assert (invoice.status, setup.account.dunning_hold) == ("overdue", True)
    # a partial payment between failures cancels the remaining retries
    with clock.frozen(D(2018, 2, 1)):
        second = invoice_for(setup, month=2)
    days(D(2018, 2, 21), D(2018, 2, 24))
    with clock.frozen(D(2018, 2, 25)):
        record_payment(invoice=second, amount="1.00")
    days(D(2018, 2, 25), D(2018, 3, 30))
    # charged late (catch-up) on Feb 21, retried on Feb 24; the payment of Feb 25 ends the retries
    assert [a[0] for a in attempts(second)] == ["2018-02-21", "2018-02-24"]
    assert Dunning.objects.get(invoice=second).status == "done"


def test_no_payment_method_is_skipped_with_its_code(setup):
    with clock.frozen(D(2018, 1, 1)):
        invoice = invoice_for(setup)
    days(D(2018, 1, 16), D(2018, 1, 18))
    assert attempts(invoice) == [("2018-01-16", "skipped", "no_payment_method")]


def test_refunds_partial_full_idempotent_and_not_charged_again(setup, processor, stripe_sim):
    with clock.frozen(D(2018, 1, 1)):
        profile(setup.account, processor)
        invoice = invoice_for(setup)
    days(D(2018, 1, 16), D(2018, 1, 16))
    payment = ChargeAttempt.objects.get(invoice=invoice).payment
    with clock.frozen(D(2018, 1, 20)):
        partial = refund_invoice(invoice=invoice, amount="10.00")
        with pytest.raises(SeatlineError) as refused:
            refund_payment(payment=payment, amount="110.01")
        assert refused.value.code == "refund_exceeds_payment"
        again = refund_payment(
            payment=payment, amount="5.00", processor_refund_id=partial.processor_refund_id
        )
    assert again.pk == partial.pk
    invoice.refresh_from_db()
    assert (invoice.balance, invoice.status) == (Decimal("10.0000"), "overdue")
    days(D(2018, 1, 21), D(2018, 2, 10))
    assert len(attempts(invoice)) == 1
    with clock.frozen(D(2018, 2, 11)):
        rest = refund_payment(payment=payment)
    assert (rest.amount, Refund.objects.filter(payment=payment).count()) == (Decimal("110.0000"), 2)
    state = __import__("httpx").get(f"{stripe_sim.url}/_sim/state").json()
    assert sorted(r["amount"] for r in state["refunds"].values()) == [1000, 11000]


def test_credit_is_applied_before_the_charge(setup, processor, stripe_sim):
    with clock.frozen(D(2018, 1, 1)):
        profile(setup.account, processor)
        first = invoice_for(setup)
    days(D(2018, 1, 16), D(2018, 1, 16))
    with clock.frozen(D(2018, 1, 20)):
        note = create_credit_note(invoice=first)
    assert note.balance == Decimal("-120.0000")
    with clock.frozen(D(2018, 2, 1)):
        second = invoice_for(setup, month=2)
    days(D(2018, 2, 1), D(2018, 2, 16))
    second.refresh_from_db()
    note.refresh_from_db()
    assert (second.balance, second.status, note.balance) == (0, "paid", 0)
    assert CreditApplication.objects.get().amount == Decimal("120.0000")
    assert len(intents(stripe_sim)) == 1
