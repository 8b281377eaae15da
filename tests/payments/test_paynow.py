# SPDX-License-Identifier: AGPL-3.0-or-later
"""PayNow: the public invoice page (signed link), paid on Stripe Checkout at the simulator."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from django.test import Client

from seatline.payments.models import ChargeAttempt, Payment, PaymentProfile
from seatline.payments.paynow import link_token
from seatline.payments.services import record_payment
from seatline.paynow.views import paynow_link
from tests.payments.collect_support import auto_contract, invoice_for, processor, stripe_sim

__all__ = ["processor", "stripe_sim"]
pytestmark = pytest.mark.django_db


def _pay_on_checkout(client: Client, path: str, sim, *, save: bool) -> str:
    started = client.post(path, {"save": "1"} if save else {})
    assert started.status_code == 302, started.content
    session_id = started["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = httpx.post(f"{sim.url}/_sim/checkout/{session_id}", data={"payment_method": "pm_card_visa"})
    assert done.status_code == 303
    return done.headers["location"].removeprefix("http://testserver")


def test_paynow_page_pays_saves_the_card_and_still_opens_paid(processor, stripe_sim, settings):
    settings.SEATLINE_PUBLIC_URL = "https://billing.example"
    invoice = invoice_for(auto_contract(auto_charge=False))
    path = f"/pay/invoice/{link_token(invoice)}/"
    assert paynow_link(invoice) == f"https://billing.example{path}"
    client = Client()
    page = client.get(path)
    text = page.content.decode()
    assert page.status_code == 200 and "Billed" in text and "Pay $120.00" in text and "invoice.pdf" in text
    pdf = client.get(f"{path}invoice.pdf")
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
    back = _pay_on_checkout(client, path, stripe_sim, save=True)
    assert client.get(back).status_code == 302
    assert client.get(back).status_code == 302  # the return again records nothing more
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, Payment.objects.count()) == ("paid", 0, 1)
    assert ChargeAttempt.objects.get().trigger == "paynow"
    saved = PaymentProfile.objects.get(account=invoice.account)
    assert (saved.status, saved.is_default) == ("active", True)
    after = client.get(path).content.decode()
    assert "Paid" in after and "Nothing is due" in after
    assert client.get("/pay/invoice/forged/").status_code == 404


def test_a_checkout_paid_after_another_payment_refunds_what_no_longer_fits(processor, stripe_sim):
    invoice = invoice_for(auto_contract(auto_charge=False))
    path = f"/pay/invoice/{link_token(invoice)}/"
    client = Client()
    back = _pay_on_checkout(client, path, stripe_sim, save=False)
    record_payment(invoice=invoice, amount="100.00")  # paid by hand while the customer was on the page
    client.get(back)
    invoice.refresh_from_db()
    assert (invoice.balance, sum(p.amount for p in Payment.objects.all())) == (0, Decimal("120.0000"))
    refunds = httpx.get(f"{stripe_sim.url}/_sim/state").json()["refunds"]
    assert [r["amount"] for r in refunds.values()] == [10000]


def test_a_checkout_is_recorded_from_the_webhook_when_the_customer_never_comes_back(processor, stripe_sim):
    from tests.payments.test_processor_webhooks import _by_type, _deliveries, _post

    invoice = invoice_for(auto_contract(auto_charge=False))
    client = Client()
    back = _pay_on_checkout(client, f"/pay/invoice/{link_token(invoice)}/", stripe_sim, save=False)
    body, headers = _by_type(_deliveries(stripe_sim, processor), "checkout.session.completed")
    assert _post(processor, body, headers).status_code == 200  # the browser was closed: only the webhook
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, Payment.objects.count()) == ("paid", 0, 1)
    assert _post(processor, body, headers).status_code == 200  # a replay records nothing more
    assert client.get(back).status_code == 302  # nor does the customer's late return
    assert (Payment.objects.count(), ChargeAttempt.objects.get().trigger) == (1, "paynow")
