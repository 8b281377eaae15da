# SPDX-License-Identifier: AGPL-3.0-or-later
"""Outgoing webhooks against a receiver on loopback: the outbox, signatures, retries, replays, and
the events the services emit."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from tests import billing_factories as factories

from seatline import clock
from seatline.common import events
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import issue_invoice
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.worker import Worker
from seatline.payments.services import record_payment
from seatline.providers.models import Provider
from seatline.subscriptions.services import change_quantity, create_subscription
from seatline.webhooks import signing
from seatline.webhooks.models import WebhookDelivery, WebhookEndpoint
from seatline.webhooks.services import create_endpoint, replay_delivery, rotate_secret
from seatline.webhooks.tests.receiver import Receiver, running_receiver

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2018, 2, 10, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def contract() -> BillingContract:
    return factories.contract(start_date=dt.date(2018, 1, 1), frequency="monthly")


def draft(contract: BillingContract) -> Invoice:
    return Invoice.objects.create(
        contract=contract,
        account=contract.account,
        kind="manual",
        currency="USD",
        generated_on=NOW.date(),
        invoice_date=NOW.date(),
        due_date=NOW.date(),
        subtotal=Decimal("120.00"),
        total=Decimal("120.00"),
        balance=Decimal("120.00"),
    )


def run_jobs() -> int:
    return Worker(name="webhooks-test").run_until_idle()


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Computed here from the documented recipe, not with Seatline's own helper."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_an_issued_invoice_is_delivered_signed(contract: BillingContract, receiver: Receiver) -> None:
    endpoint, secret = create_endpoint(name="ERP", url=receiver.url, event_types=["invoice.issued"])
    invoice = draft(contract)
    with transaction.atomic():
        issue_invoice(invoice=invoice)
        (delivery,) = WebhookDelivery.objects.all()  # written with the issue (outbox)
        assert Job.objects.filter(job_type="send_webhook", object_id=str(delivery.pk)).count() == 1
    assert receiver.received == []
    run_jobs()
    (request,) = receiver.received
    assert request.path == "/hooks/seatline"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["seatline-event"] == "invoice.issued"
    assert request.headers["seatline-delivery"] == str(delivery.pk)
    timestamp, signature = (
        part.split("=", 1)[1] for part in request.headers["seatline-signature"].split(",")
    )
    assert timestamp == str(int(NOW.timestamp()))
    assert signature == expected_signature(secret, timestamp, request.body)
    assert signing.verify(secret, request.headers["seatline-signature"], request.body, now=NOW.timestamp())
    assert not signing.verify(
        secret, request.headers["seatline-signature"], request.body + b" ", now=NOW.timestamp()
    )
    assert not signing.verify(
        "whsec_other", request.headers["seatline-signature"], request.body, now=NOW.timestamp()
    )
    assert not signing.verify(
        secret, request.headers["seatline-signature"], request.body, now=NOW.timestamp() + 301
    )
    body = json.loads(request.body)
    assert body["type"] == "invoice.issued"
    assert body["id"].startswith("evt_")
    assert body["data"]["invoice"] == {
        **body["data"]["invoice"],
        "id": invoice.pk,
        "number": "INV-000001",
        "status": "billed",
        "total": "120.00",
        "currency": "USD",
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.attempt_log.get().response_body == '{"ok": true}'


def test_a_500_is_retried_with_backoff_and_logged(contract: BillingContract, receiver: Receiver) -> None:
    create_endpoint(name="ERP", url=receiver.url, event_types=["invoice.issued"])
    receiver.statuses = [500]
    issue_invoice(invoice=draft(contract))
    run_jobs()
    delivery = WebhookDelivery.objects.get()
    job = Job.objects.get(job_type="send_webhook")
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == (
        "pending",
        1,
        500,
        "HTTP 500",
    )
    assert (job.status, job.scheduled_for) == (JobStatus.RETRY, NOW + dt.timedelta(seconds=30))
    (first,) = delivery.attempt_log.all()
    assert first.status_code == 500
    assert first.response_body.startswith("receiver exploded xxx") and first.response_body.endswith(
        "… (truncated)"
    )
    assert len(first.response_body) == 2000 + len("… (truncated)")
    assert run_jobs() == 0  # not due yet
    with clock.frozen(NOW + dt.timedelta(seconds=31)):
        assert run_jobs() == 1
    delivery.refresh_from_db()
    job.refresh_from_db()
    assert (delivery.status, delivery.attempts, job.status) == ("succeeded", 2, JobStatus.SUCCEEDED)
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert receiver.received[0].body == receiver.received[1].body


def test_the_last_failed_attempt_fails_the_delivery(contract: BillingContract, receiver: Receiver) -> None:
    create_endpoint(name="ERP", url=receiver.url, event_types=["invoice.issued"])
    receiver.statuses = [503]
    issue_invoice(invoice=draft(contract))
    Job.objects.filter(job_type="send_webhook").update(max_attempts=1)
    run_jobs()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert Job.objects.get(job_type="send_webhook").status == JobStatus.FAILED
    assert delivery.attempt_log.get().status_code == 503


def test_an_unreachable_receiver_is_logged(contract: BillingContract) -> None:
    create_endpoint(name="Gone", url="http://127.0.0.1:9/hook", event_types=["invoice.issued"])
    issue_invoice(invoice=draft(contract))
    run_jobs()
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("ConnectError")


def test_a_replay_sends_the_identical_body_with_a_new_signature(
    contract: BillingContract, receiver: Receiver
) -> None:
    endpoint, secret = create_endpoint(name="ERP", url=receiver.url, event_types=["invoice.issued"])
    issue_invoice(invoice=draft(contract))
    run_jobs()
    original = WebhookDelivery.objects.get()
    later = NOW + dt.timedelta(minutes=5)
    with clock.frozen(later):
        replay = replay_delivery(delivery=original)
        run_jobs()
    first, second = receiver.received
    assert second.body == first.body
    assert second.headers["seatline-event-id"] == first.headers["seatline-event-id"]
    assert second.headers["seatline-delivery"] == str(replay.pk) != first.headers["seatline-delivery"]
    assert second.headers["seatline-signature"] != first.headers["seatline-signature"]
    assert signing.verify(secret, second.headers["seatline-signature"], second.body, now=later.timestamp())
    replay.refresh_from_db()
    assert (replay.status, replay.replay_of_id) == ("succeeded", original.pk)


def test_only_active_endpoints_subscribed_to_the_event_get_it(
    contract: BillingContract, receiver: Receiver
) -> None:
    create_endpoint(name="Invoices", url=receiver.url, event_types=["invoice.issued"])
    create_endpoint(name="Seats", url=receiver.url, event_types=["subscription.changed"])
    create_endpoint(name="Off", url=receiver.url, event_types=["invoice.issued"], active=False)
    issue_invoice(invoice=draft(contract))
    assert list(WebhookDelivery.objects.values_list("endpoint__name", flat=True)) == ["Invoices"]


def test_rotating_the_secret_signs_new_deliveries_with_it(
    contract: BillingContract, receiver: Receiver
) -> None:
    endpoint, old = create_endpoint(name="ERP", url=receiver.url, event_types=["invoice.issued"])
    new = rotate_secret(endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    issue_invoice(invoice=draft(contract))
    run_jobs()
    request = receiver.received[0]
    assert signing.verify(new, request.headers["seatline-signature"], request.body, now=NOW.timestamp())
    assert not signing.verify(old, request.headers["seatline-signature"], request.body, now=NOW.timestamp())


def test_bad_endpoints_are_refused() -> None:
    for kwargs, code in (
        ({"url": "ftp://x/hook", "event_types": ["invoice.issued"]}, "invalid_url"),
        ({"url": "https://x/hook", "event_types": ["invoice.exploded"]}, "invalid_event_type"),
    ):
        with pytest.raises(SeatlineError) as error:
            create_endpoint(name="X", **kwargs)
        assert error.value.code == code
    assert not WebhookEndpoint.objects.exists()


def test_the_services_emit_their_events(contract: BillingContract) -> None:
    seen: list[events.Event] = []
    with events.listening("capture", seen.extend):
        subscription = create_subscription(
            contract=contract, name="E3", quantity=5, price=Decimal("20.00"), start_date=dt.date(2018, 1, 1)
        )
        change_quantity(subscription=subscription, quantity=7)
        invoice = issue_invoice(invoice=draft(contract))
        record_payment(invoice=invoice, amount=Decimal("20.00"))
        record_payment(invoice=invoice, amount=Decimal("100.00"))
    assert [event.type for event in seen] == [
        "subscription.changed",
        "subscription.changed",
        "invoice.issued",
        "invoice.paid",
    ]
    changed = seen[1].payload
    assert changed["subscription"]["quantity"] == 7
    assert {k: changed["change"][k] for k in ("kind", "delta", "quantity_after", "price")} == {
        "kind": "increase",
        "delta": 2,
        "quantity_after": 7,
        "price": "20.00",
    }
    paid = seen[3].payload
    assert (paid["invoice"]["status"], paid["invoice"]["balance"], paid["payment"]["amount"]) == (
        "paid",
        "0.00",
        "100.00",
    )


def test_a_provisioning_failure_is_an_event(contract: BillingContract) -> None:
    seen: list[events.Event] = []
    provider = Provider.objects.create(
        name="PC",
        type="automatic",
        connector="partner_center",
        settings={"auth": "static", "base_url": "http://127.0.0.1:9"},
    )
    with events.listening("capture", seen.extend):
        create_subscription(
            contract=contract,
            name="E3",
            quantity=5,
            price=Decimal("20.00"),
            start_date=NOW.date(),
            provider=provider,
        )
        run_jobs()  # no provider account mapped: the provider push fails
    failed = [event for event in seen if event.type == "provisioning.failed"]
    assert len(failed) == 1
    assert failed[0].payload["error"]["code"] == "provider_account_missing"
    assert failed[0].payload["change"]["provisioning_status"] == "failed"


def test_unknown_event_types_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        events.emit("invoice.exploded", {})
    events.register_event_type("test.ping", "a test event")
    with pytest.raises(ValueError, match="already registered"):
        events.register_event_type("test.ping", "another meaning")
    events.EVENT_TYPES.pop("test.ping")
