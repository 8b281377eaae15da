# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office and public pages of payments: the payment method request (single-use, expiring
signed link through Stripe's hosted page on the simulator), the Charge and Refund actions, the
payments dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from seatline import clock
from seatline.notifications.models import OutgoingEmail
from seatline.payments.models import ChargeAttempt, PaymentProfile
from seatline.payments.requests import request_payment_method
from tests.payments.collect_support import auto_contract, invoice_for, processor, profile, stripe_sim

__all__ = ["processor", "stripe_sim"]
pytestmark = pytest.mark.django_db


def _contact(account) -> None:
    account.contacts.create(
        first_name="Ada", last_name="Lee", email="ada@wingtip.example", role="billing", is_primary=True
    )


def test_a_payment_method_request_link_works_once_then_says_so(processor, stripe_sim):
    contract = auto_contract()
    _contact(contract.account)
    pending = request_payment_method(
        account=contract.account,
        processor=processor,
        link_for=lambda token: f"http://testserver/pay/method/{token}/",
    )
    email = OutgoingEmail.objects.get(template_key="payment_method_request")
    link = next(word for word in email.text_body.split() if word.startswith("http://testserver/pay/method/"))
    assert pending.profile.status == "pending"
    client = Client()
    path = link.removeprefix("http://testserver")
    opened = client.get(path)
    assert opened.status_code == 302
    session_id = opened["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = httpx.post(f"{stripe_sim.url}/_sim/checkout/{session_id}", data={"payment_method": "pm_card_visa"})
    assert done.status_code == 303
    back = client.get(f"{path}done/")
    assert (back.status_code, "saved" in back.content.decode()) == (200, True)
    saved = PaymentProfile.objects.get(pk=pending.profile_id)
    assert (saved.status, saved.is_default, saved.method_token.startswith("pm_")) == ("active", True, True)
    again = client.get(path)
    assert (again.status_code, "already used" in again.content.decode()) == (410, True)
    assert client.get(path.replace("/method/", "/method/x")).status_code == 404


def test_an_expired_request_link_shows_a_clear_page(processor):
    contract = auto_contract()
    _contact(contract.account)
    with clock.frozen(dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)):
        pending = request_payment_method(
            account=contract.account, processor=processor, link_for=lambda token: f"/pay/method/{token}/"
        )
        from seatline.payments.requests import link_token

        token = link_token(pending)
    with clock.frozen(dt.datetime(2026, 1, 9, 12, tzinfo=dt.UTC)):
        page = Client().get(f"/pay/method/{token}/")
    assert (page.status_code, "expired" in page.content.decode()) == (410, True)
    assert PaymentProfile.objects.get(pk=pending.profile_id).status == "pending"


def test_charge_and_refund_actions_and_the_dashboard(admin_client, processor, stripe_sim):
    contract = auto_contract(auto_charge=False)
    card = profile(contract.account, processor)
    invoice = invoice_for(contract)
    charge_url = reverse("admin:invoicing_invoice_do_charge", args=[invoice.pk])
    assert admin_client.get(charge_url).status_code == 200
    refused = admin_client.post(charge_url, {"profile": card.pk, "amount": "120.01"})
    assert "payment_exceeds_balance" in refused.content.decode()
    assert admin_client.post(charge_url, {"profile": card.pk, "amount": "50.00"}).status_code == 302
    attempt = ChargeAttempt.objects.get()
    refund_url = reverse("admin:invoicing_invoice_do_refund", args=[invoice.pk])
    too_much = admin_client.post(refund_url, {"payment": attempt.payment_id, "amount": "50.01"})
    assert "refund_exceeds_payment" in too_much.content.decode()
    assert admin_client.post(refund_url, {"payment": attempt.payment_id, "amount": "5.00"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("75.0000")
    declined = profile(contract.account, processor, "card_declined")
    admin_client.post(charge_url, {"profile": declined.pk, "amount": "10.00"})
    page = admin_client.get(reverse("admin:payments_chargeattempt_changelist"))
    text = page.content.decode()
    assert page.status_code == 200 and "Payments dashboard" in text and "card_declined" in text
    assert "Failed charges by customer" in text and contract.account.name in text
    filtered = admin_client.get(reverse("admin:payments_chargeattempt_changelist") + "?status__exact=failed")
    assert filtered.status_code == 200
