# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provisioning against Microsoft's documented answers when they arrive unreadable (fail closed).

Seatline's subscription services and job worker push changes to a loopback server answering with
the documented Partner Center bodies (tests/connectors/fixtures/partner_center), BOM-prefixed,
PascalCase, and sometimes unreadable. Proven here, on what the server received:

* an unreadable PATCH answer (and an unreadable re-read) marks the change Failed with the reason;
  the provider subscription id is never emptied and nothing is ordered again;
* every PATCH body is the full subscription read just before it, one field changed (never a
  minimal `{"quantity": n}`), and nothing is PATCHed when the read before it is unreadable;
* an order whose subscription cannot be read is reported as placed, and a later change of that
  subscription does not order a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from seatline import clock
from seatline.common.choices import ProvisioningStatus
from seatline.jobs.worker import Worker
from seatline.providers.models import Provider, ProviderAccount
from seatline.providers.provisioning import recorded_as_provisioned
from seatline.providers.tests.simulator import customer_account, monthly_contract
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, Subscription
from tests.connectors.documented import BOM, REQUEST_ID, answer, data, sent_json, sequence
from tests.connectors.local_server import LocalServer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
CUSTOMER = "d8202a51-69f9-4228-b900-d0e081af17d7"
SUBSCRIPTION = "a4c1340d-6911-4758-bba3-0c4c6007d161"
ROUTE = f"/v1/customers/{CUSTOMER}/subscriptions/{SUBSCRIPTION}"
DOCUMENTED = "subscriptions/change-the-quantity-of-a-subscription.nce.json"  # one active seat
UNREADABLE = BOM + b"<html><body>Bad gateway</body></html>"


@pytest.fixture
def loopback() -> Iterator[LocalServer]:
    server = LocalServer().start()
    try:
        with clock.frozen(NOW):
            yield server
    finally:
        server.stop()


def documented_with(quantity: int) -> dict[str, Any]:
    """The documented NCE subscription with another quantity (test-made: the provider's later state)."""
    return {**data(DOCUMENTED), "quantity": quantity}


def provider_for(server: LocalServer) -> Provider:
    return Provider.objects.create(
        name="Microsoft Partner Center",
        type="automatic",
        connector="partner_center",
        settings={
            "base_url": server.url,
            "auth": "static",
            "max_attempts": 1,
            "patch_poll_interval": 0.1,
            "patch_max_wait": 1,
            "order_poll_interval": 0.1,
            "order_max_wait": 0,
        },
    )


def subscription_at(provider: Provider, *, provider_id: str) -> Subscription:
    account, _ = customer_account()
    mapping = ProviderAccount.objects.create(
        provider=provider, account=account, provider_customer_id=CUSTOMER
    )
    with recorded_as_provisioned():  # already at the provider: nothing pushed
        subscription = services.create_subscription(
            contract=monthly_contract(account, NOW.date()),
            name="Microsoft 365 Business Basic",
            quantity=1,
            price=Decimal("6.00"),
            start_date=NOW.date(),
            term_months=12,
            provider=provider,
            provider_account=mapping,
        )
    Subscription.objects.filter(pk=subscription.pk).update(provider_subscription_id=provider_id)
    subscription.refresh_from_db()
    return subscription


def push(subscription: Subscription, quantity: int) -> LicenseChangeLog:
    services.change_quantity(subscription=subscription, quantity=quantity)
    assert Worker(name="unreadable").run_until_idle() == 1
    subscription.refresh_from_db()
    change = subscription.change_logs.order_by("-id")[0]
    return change


def test_unreadable_patch_answers_fail_closed(loopback: LocalServer) -> None:
    subscription = subscription_at(provider_for(loopback), provider_id=SUBSCRIPTION)

    # 1. BOM-prefixed reads, and the documented PascalCase 200 answer (about subscription 83ef9d05...):
    #    not stored; the subscription is read again and that is what Seatline keeps
    loopback.routes[f"GET {ROUTE}"] = sequence(
        answer(DOCUMENTED, bom=True), answer(DOCUMENTED, bom=True), answer(documented_with(2), bom=True)
    )
    loopback.routes[f"PATCH {ROUTE}"] = lambda seen: answer(
        "subscriptions/change-the-quantity-of-a-subscription.200.json"
    )
    change = push(subscription, 2)
    assert (change.provisioning_status, change.provisioning_message) == (
        ProvisioningStatus.PROVISIONED,
        f"provider subscription {SUBSCRIPTION}: 2 seat(s), active",
    )
    assert subscription.provider_subscription_id == SUBSCRIPTION
    assert subscription.provider_offer_id == "CFQ7TTC0LH18:0001:CFQ7TTC0K971"
    assert subscription.cancellation_allowed_until == dt.datetime(2021, 1, 15, tzinfo=dt.UTC)  # refundOptions
    assert subscription.refundable_lots == [
        {"quantity": 1, "allowed_until": "2021-01-24T20:39:17.182697+00:00"}
    ]

    # 2. the PATCH answer is unreadable, and so is the read that should replace it: Failed, with why
    loopback.routes[f"GET {ROUTE}"] = sequence(
        answer(documented_with(2)), answer(documented_with(2)), answer(BOM + b'{"id": "a4c1340d')
    )
    loopback.routes[f"PATCH {ROUTE}"] = lambda seen: answer(UNREADABLE)
    change = push(subscription, 3)
    assert change.provisioning_status == ProvisioningStatus.FAILED
    assert change.provisioning_message.startswith(
        f"[provider_bad_response] the answer to GET {ROUTE} (MS-RequestId {REQUEST_ID}) is not readable JSON ("
    )
    assert change.provisioning_message.endswith('the body starts \'\\xef\\xbb\\xbf{"id": "a4c1340d\'')
    assert (subscription.provisioning_status, subscription.provisioning_message) == (
        "failed",
        change.provisioning_message,
    )
    assert subscription.provider_subscription_id == SUBSCRIPTION  # never emptied
    assert subscription.refundable_lots != []  # nor the windows

    # 3. while reads stay unreadable, the next change sends no PATCH at all
    loopback.routes[f"GET {ROUTE}"] = lambda seen: answer(UNREADABLE)
    patches_before = len(loopback.requests_to("PATCH", ROUTE))
    change = push(subscription, 4)
    assert change.provisioning_status == ProvisioningStatus.FAILED
    assert "is not readable JSON" in change.provisioning_message
    assert len(loopback.requests_to("PATCH", ROUTE)) == patches_before
    assert subscription.provider_subscription_id == SUBSCRIPTION

    # 4. answers readable again: the next change goes through, against the same subscription
    loopback.routes[f"GET {ROUTE}"] = lambda seen: answer(documented_with(2), bom=True)
    loopback.routes[f"PATCH {ROUTE}"] = lambda seen: answer(documented_with(5), bom=True)
    change = push(subscription, 5)
    assert change.provisioning_status == ProvisioningStatus.PROVISIONED
    assert subscription.provider_subscription_id == SUBSCRIPTION

    # nothing was ever ordered; every PATCH was the full subscription just read, one field changed
    assert [seen for seen in loopback.seen if seen.method == "POST"] == []
    bodies = [sent_json(seen) for seen in loopback.requests_to("PATCH", ROUTE)]
    assert bodies == [documented_with(2), documented_with(3), documented_with(5)]
    assert all(set(body) == set(data(DOCUMENTED)) for body in bodies)  # never a minimal body


def test_an_order_whose_subscription_cannot_be_read_is_never_placed_twice(loopback: LocalServer) -> None:
    from seatline.catalog.models import Product

    provider = provider_for(loopback)
    account, _ = customer_account()
    mapping = ProviderAccount.objects.create(
        provider=provider, account=account, provider_customer_id=CUSTOMER
    )
    product = Product.objects.create(
        name="Office 365 E5", part_number="CFQ7TTC0LF8S:0001", default_provider=provider
    )
    carts = f"/v1/customers/{CUSTOMER}/carts"
    checkout = f"{carts}/2517c51b-58cd-4abe-87ed-3ab812401ab4/checkout"
    bought = "0c353b8e-da9d-4007-d0d4-bca8bd5b5ce1"
    loopback.routes[f"POST {carts}"] = lambda seen: answer("orders/create-a-cart.nce.json", 201, bom=True)
    loopback.routes[f"POST {checkout}"] = lambda seen: answer(
        {"orders": [data("orders/checkout-a-cart.nce-order.json")]}, 201, bom=True
    )
    loopback.routes[f"GET /v1/customers/{CUSTOMER}/subscriptions/{bought}"] = lambda seen: answer(UNREADABLE)

    subscription = services.create_subscription(
        contract=monthly_contract(account, NOW.date()),
        name="Office 365 E5",
        quantity=1,
        price=Decimal("36.48"),
        start_date=NOW.date(),
        term_months=1,
        product=product,
        provider=provider,
        provider_account=mapping,
    )
    Subscription.objects.filter(pk=subscription.pk).update(provider_offer_id="CFQ7TTC0LF8S:0001:CFQ7TTC0N81H")
    assert Worker(name="unreadable").run_until_idle() == 1
    subscription.refresh_from_db()
    (create,) = subscription.change_logs.all()
    assert create.provisioning_status == ProvisioningStatus.FAILED
    assert create.provisioning_message.startswith(
        "[provider_bad_response] order a68736758d9c was placed, but reading its subscriptions failed: the "
        f"answer to GET /v1/customers/{CUSTOMER}/subscriptions/{bought} (MS-RequestId {REQUEST_ID}) is not "
        "readable JSON"
    )
    assert create.provisioning_message.endswith(
        "(sync the customer's subscriptions to link them; ordering again would buy them twice)"
    )
    assert subscription.provider_subscription_id == ""

    # a later increase does not order a second subscription
    change = push(subscription, 2)
    assert change.provisioning_status == ProvisioningStatus.FAILED
    assert change.provisioning_message.startswith(
        f"[provider_order_unresolved] Office 365 E5 has no provider subscription yet and change log {create.pk} "
        "failed at the provider ("
    )
    assert len(loopback.requests_to("POST", carts)) == 1
    assert len(loopback.requests_to("POST", checkout)) == 1
