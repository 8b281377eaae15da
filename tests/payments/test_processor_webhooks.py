# SPDX-License-Identifier: AGPL-3.0-or-later
"""Processor webhooks at /webhooks/<kind>/<id>/: signatures, replays, order, unknown types."""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx
import pytest
from django.test import Client

from seatline import clock
from seatline.payments.charging import charge
from seatline.payments.models import ChargeAttempt, Payment, WebhookEvent
from seatline.simulators.stripe.events import sign
from tests.payments.collect_support import SECRET, auto_contract, invoice_for, processor, profile, stripe_sim
from tests.payments.support import configure_webhooks, deliver, webhook_receiver

__all__ = ["processor", "stripe_sim"]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day():
    with clock.frozen(dt.date(2018, 1, 5)):
        yield


def _post(processor, body: bytes, headers: dict[str, str]):
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "content-type"
    }
    return Client().post(
        f"/webhooks/stripe/{processor.pk}/", data=body, content_type="application/json", **extra
    )


def _deliveries(sim, processor):
    """Every webhook the simulator queued so far, as (type, body, headers) signed like Stripe."""
    with webhook_receiver() as receiver:
        configure_webhooks(sim.url, receiver.url, SECRET)
        deliver(sim.url)
    return [(json.loads(r.body)["type"], r.body, r.headers) for r in receiver.received]


def _by_type(deliveries, type_: str):
    return next((body, headers) for t, body, headers in deliveries if t == type_)


def test_forged_or_missing_signature_answers_400_and_records_nothing(processor, stripe_sim):
    contract = auto_contract(auto_charge=False)
    profile(contract.account, processor)
    body, headers = _by_type(_deliveries(stripe_sim, processor), "customer.created")
    forged = dict(headers, **sign("whsec_someone_else", body, int(time.time())))
    assert _post(processor, body, forged).status_code == 400
    assert _post(processor, body, {}).status_code == 400
    tampered = body.replace(b'"customer.created"', b'"customer.deleted"')
    assert _post(processor, tampered, headers).status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert (
        Client().post("/webhooks/stripe/999/", data=body, content_type="application/json").status_code == 404
    )


def test_unknown_type_is_stored_ignored_and_a_replay_changes_nothing(processor, stripe_sim, caplog):
    contract = auto_contract(auto_charge=False)
    profile(contract.account, processor)
    body, headers = _by_type(_deliveries(stripe_sim, processor), "customer.created")
    first = _post(processor, body, headers)
    assert first.status_code == 200
    assert first.json()["events"][0]["outcome"] == "ignored"
    assert "ignored" in caplog.text
    again = _post(processor, body, dict(headers, **sign(SECRET, body, int(time.time()))))
    assert again.json()["events"][0]["outcome"] == "duplicate"
    row = WebhookEvent.objects.get()
    assert (row.type, row.raw_body, row.outcome) == ("customer.created", body.decode(), "ignored")


def test_success_after_failure_wins_and_a_late_failure_is_ignored(processor, stripe_sim):
    contract = auto_contract(auto_charge=False)
    card = profile(contract.account, processor, "card_declined")
    invoice = invoice_for(contract)
    attempt = charge(invoice=invoice, profile=card)
    assert attempt.status == "failed"
    failed_body, failed_headers = _by_type(
        _deliveries(stripe_sim, processor), "payment_intent.payment_failed"
    )
    event = json.loads(failed_body)
    event["id"] = event["id"] + "ok"
    event["type"] = "payment_intent.succeeded"
    event["data"]["object"].update(status="succeeded", last_payment_error=None)
    ok_body = json.dumps(event).encode()
    answer = _post(processor, ok_body, sign(SECRET, ok_body, int(time.time())))
    assert answer.json()["events"][0]["outcome"] == "charge failed->succeeded"
    late = _post(processor, failed_body, failed_headers)
    assert late.json()["events"][0]["outcome"] == "charge succeeded->succeeded"
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert (attempt.status, invoice.status, invoice.balance) == ("succeeded", "paid", 0)
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert WebhookEvent.objects.count() == 2


def test_a_charge_event_arriving_before_the_answer_is_recorded_once(processor, stripe_sim):
    contract = auto_contract(auto_charge=False)
    card = profile(contract.account, processor)
    invoice = invoice_for(contract)
    done = charge(invoice=invoice, profile=card)
    body, headers = _by_type(_deliveries(stripe_sim, processor), "payment_intent.succeeded")
    assert _post(processor, body, headers).json()["events"][0]["outcome"] == "charge succeeded->succeeded"
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert ChargeAttempt.objects.get(pk=done.pk).payment is not None
    assert httpx.get(f"{stripe_sim.url}/_sim/state").status_code == 200
