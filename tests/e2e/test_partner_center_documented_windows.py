# SPDX-License-Identifier: AGPL-3.0-or-later
"""Cancellation windows as Microsoft documents them, through Seatline's deactivation and sync.

The documented scheduled-changes and marketplace answers carry their window only in
`refundOptions[].expiresAt` (2019-01-10T00:21:45Z, no `cancellationAllowedUntilDate`): a
deactivation inside it cancels at the provider, after it suspends, and the window Seatline stores
(for its up-front check) is that one. Subscription sync reports the documented unreadable dates
(`"2015-11-25T06: 41: 12Z"`) on their item without failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from seatline import clock
from seatline.common.choices import ProvisioningStatus
from seatline.errors import SeatlineError
from seatline.jobs.worker import Worker
from seatline.providers import services as providers
from seatline.providers.models import Provider, ProviderAccount
from seatline.providers.provisioning import recorded_as_provisioned
from seatline.providers.tests.simulator import customer_account, monthly_contract
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription
from tests.connectors.documented import answer, data, sent_json
from tests.connectors.local_server import LocalServer

pytestmark = pytest.mark.django_db

CUSTOMER = "5921f00a-32c0-4457-aaa1-e8018c650895"
SUBSCRIPTION = "6e7aa601-629e-461b-8933-0898c3cc3c7c"
ROUTE = f"/v1/customers/{CUSTOMER}/subscriptions/{SUBSCRIPTION}"
SCHEDULED = "subscriptions/create-scheduled-changes.json"
REFUND_UNTIL = dt.datetime(2019, 1, 10, 0, 21, 45, 926372, tzinfo=dt.UTC)


@pytest.fixture
def loopback() -> Iterator[LocalServer]:
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


def linked_subscription(server: LocalServer, today: dt.date) -> Subscription:
    provider = Provider.objects.create(
        name="Microsoft Partner Center",
        type="automatic",
        connector="partner_center",
        settings={"base_url": server.url, "auth": "static", "max_attempts": 1, "patch_max_wait": 1},
    )
    account, _ = customer_account()
    mapping = ProviderAccount.objects.create(
        provider=provider, account=account, provider_customer_id=CUSTOMER
    )
    with recorded_as_provisioned():
        subscription = services.create_subscription(
            contract=monthly_contract(account, today),
            name="Barracuda WaaS",
            quantity=1,
            price=Decimal("820.00"),
            start_date=today,
            term_months=1,
            provider=provider,
            provider_account=mapping,
        )
    Subscription.objects.filter(pk=subscription.pk).update(provider_subscription_id=SUBSCRIPTION)
    subscription.refresh_from_db()
    return subscription


@pytest.mark.parametrize(
    ("now", "sent_status", "answered"),
    [
        # 2019-01-09 23:00 UTC: inside the documented refund window -> cancel (the documented answer)
        (
            dt.datetime(2019, 1, 9, 23, 0, tzinfo=dt.UTC),
            "deleted",
            "subscriptions/cancel-an-azure-marketplace-subscription.json",
        ),
        # 2019-01-10 01:00 UTC: after it -> suspend
        (dt.datetime(2019, 1, 10, 1, 0, tzinfo=dt.UTC), "suspended", None),
    ],
    ids=["inside-cancels", "after-suspends"],
)
def test_a_deactivation_cancels_inside_the_refund_options_window(
    loopback: LocalServer, now: dt.datetime, sent_status: str, answered: str | None
) -> None:
    with clock.frozen(now):
        subscription = linked_subscription(loopback, now.date())
        loopback.routes[f"GET {ROUTE}"] = lambda seen: answer(SCHEDULED, bom=True)
        # after the window: the documented subscription, suspended (test-made; the page shows no such answer)
        reply = (
            answer(answered)
            if answered
            else answer({**data(SCHEDULED), "status": "suspended", "autoRenewEnabled": False})
        )
        loopback.routes[f"PATCH {ROUTE}"] = lambda seen: reply
        services.deactivate_subscription(subscription=subscription)
        assert Worker(name="windows").run_until_idle() == 1
        subscription.refresh_from_db()
        change = subscription.change_logs.order_by("-id")[0]
        assert change.provisioning_status == ProvisioningStatus.PROVISIONED
        assert (
            change.provisioning_message == f"provider subscription {SUBSCRIPTION}: 1 seat(s), {sent_status}"
        )
        (patch,) = loopback.requests_to("PATCH", ROUTE)
        assert sent_json(patch) == {**data(SCHEDULED), "status": sent_status}
        assert subscription.cancellation_allowed_until == REFUND_UNTIL


def test_the_up_front_check_uses_the_documented_refund_window(loopback: LocalServer) -> None:
    today = dt.date(2019, 1, 9)
    with clock.frozen(dt.datetime(2019, 1, 9, 12, 0, tzinfo=dt.UTC)):
        subscription = linked_subscription(loopback, today)
        loopback.routes[f"GET {ROUTE}"] = lambda seen: answer(SCHEDULED, bom=True)
        loopback.routes[f"PATCH {ROUTE}"] = lambda seen: answer({**data(SCHEDULED), "quantity": 2})
        services.change_quantity(subscription=subscription, quantity=2)
        assert Worker(name="windows").run_until_idle() == 1
        subscription.refresh_from_db()
    assert subscription.cancellation_allowed_until == REFUND_UNTIL  # only refundOptions carried it
    with clock.frozen(dt.datetime(2019, 1, 10, 1, 0, tzinfo=dt.UTC)), pytest.raises(SeatlineError) as refused:
        services.deactivate_subscription(subscription=subscription)
    assert (refused.value.code, refused.value.message) == (
        "provider_window_passed",
        "the 7-day NCE cancellation window has passed (cancellation allowed until 2019-01-10 00:21 UTC)",
    )


def test_sync_reports_the_documented_unreadable_dates_and_goes_on(loopback: LocalServer) -> None:
    provider = Provider.objects.create(
        name="Microsoft Partner Center",
        type="automatic",
        connector="partner_center",
        settings={"base_url": loopback.url, "auth": "static", "max_attempts": 1},
    )
    account, _ = customer_account()
    mapping = ProviderAccount.objects.create(
        provider=provider, account=account, provider_customer_id=CUSTOMER
    )
    legacy = data("subscriptions/get-all-of-a-customer-s-subscriptions.json")["items"][0]
    software = data("subscriptions/get-all-of-a-customer-s-subscriptions.software.json")["items"][0]
    loopback.routes[f"GET /v1/customers/{CUSTOMER}/subscriptions"] = lambda seen: answer(
        {"totalCount": 2, "items": [legacy, software]}, bom=True
    )
    report = providers.sync_subscriptions(provider_account=mapping)
    assert report.problems == [
        "83ef9d05-4169-4ef9-9657-0e86b1eab1de: items[0].effectiveStartDate: unreadable date '2015-11-24T08: 00: 00Z'",
        "83ef9d05-4169-4ef9-9657-0e86b1eab1de: items[0].creationDate: unreadable date '2015-11-25T06: 41: 12Z'",
        "83ef9d05-4169-4ef9-9657-0e86b1eab1de: items[0].commitmentEndDate: unreadable date '2016-12-12T08: 00: 00Z'",
    ]
    # both listed (no product matches either offer here), none lost to the bad dates
    assert [state.id for state in report.unmatched] == [
        "83ef9d05-4169-4ef9-9657-0e86b1eab1de",
        "924671ba-eab9-45d7-95ed-dbd9477f182b",
    ]
    assert "3 unreadable field(s)" in report.summary()
