# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center connector against the simulator: retries, tokens, paging, PATCH, error codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from seatline.connectors.base import NextTermInstructions, OrderLine, ProviderSubscription, SubscriptionStatus
from seatline.connectors.errors import (
    ProviderAuthFailedError,
    ProviderConflictError,
    ProviderError,
    ProviderInvalidRequestError,
    ProviderNotFoundError,
    ProviderQuantityInvalidError,
    ProviderSubscriptionSuspendedError,
    ProviderThrottledError,
)
from seatline.connectors.partner_center.connector import PartnerCenterConnector
from seatline.connectors.partner_center.tokens import InMemoryTokenStore, RefreshTokenProvider
from tests.connectors.simulator import (
    BASIC,
    CountingClientCredentials,
    Recorder,
    Sim,
    acceptance,
    customer_request,
)

PATCH_ROUTE = "PATCH /v1/customers/*/subscriptions/*"


def _buy(connector: PartnerCenterConnector, name: str = "Contoso", quantity: int = 5) -> ProviderSubscription:
    customer = connector.create_customer(customer_request(name))
    connector.accept_customer_agreement(customer.id, acceptance())
    line = OrderLine(offer_id=BASIC, quantity=quantity, term_duration="P1Y", billing_cycle="monthly")
    (subscription,) = connector.order_subscriptions(customer.id, [line]).subscriptions
    return subscription


def test_429_is_retried_honouring_retry_after(
    sim: Sim, connector: PartnerCenterConnector, sleeps: list[float], recorder: Recorder
) -> None:
    subscription = _buy(connector)
    sim.control("faults", {"route": PATCH_ROUTE, "status": 429, "retry_after": 1, "count": 2})
    changed = connector.change_quantity(subscription.customer_id, subscription.id, 7)
    assert changed.quantity == 7
    assert sleeps == [1.0, 1.0]
    patches = recorder.to("PATCH", f"/subscriptions/{subscription.id}")
    assert len(patches) == 3
    assert len({p.headers["MS-RequestId"] for p in patches}) == 1  # one logical call


def test_429_beyond_max_attempts_raises_throttled(
    sim: Sim, connector: PartnerCenterConnector, sleeps: list[float]
) -> None:
    subscription = _buy(connector)
    sim.control("faults", {"route": PATCH_ROUTE, "status": 429, "retry_after": 1, "count": 10})
    with pytest.raises(ProviderThrottledError) as caught:
        connector.change_quantity(subscription.customer_id, subscription.id, 7)
    assert (caught.value.code, caught.value.retry_after, caught.value.http_status) == (
        "provider_throttled",
        1.0,
        429,
    )
    assert sleeps == [1.0, 1.0, 1.0]


def test_409_during_renewal_is_a_retryable_conflict(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    sim.control("faults", {"route": PATCH_ROUTE, "status": 409, "count": 1})
    with pytest.raises(ProviderConflictError) as caught:
        connector.change_quantity(subscription.customer_id, subscription.id, 7)
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == (
        "provider_conflict",
        409,
        True,
    )
    assert connector.change_quantity(subscription.customer_id, subscription.id, 7).quantity == 7


def test_expired_access_token_is_refreshed_once(
    sim: Sim, make: Callable[..., PartnerCenterConnector], recorder: Recorder
) -> None:
    sim.control("config", {"strict_auth": True, "token_lifetime": 3600})
    connector = make()
    tokens = connector.client.token_provider
    counting = CountingClientCredentials(
        tenant_id="5d6f1e3a-0000-4c1b-9a8e-5ea71111e000",
        client_id="seatline-app",
        client_secret="secret",
        authority=sim.url,
    )
    connector.client.token_provider = counting
    assert tokens is not counting
    customer = connector.create_customer(customer_request("Fabrikam"))
    assert counting.acquired == 1
    sim.advance("PT2H")  # simulator clock: the token is now expired, our cache does not know
    assert connector.find_customer(customer_id=customer.id) == connector.find_customer(
        customer_id=customer.id
    )
    assert counting.acquired == 2
    statuses = [r.headers["Authorization"] for r in recorder.to("GET", f"/v1/customers/{customer.id}")]
    assert len(statuses) == 3  # 401 with the old token, then the same call with a new one, then a cached call
    assert statuses[0] != statuses[1] == statuses[2]
    counting.close()


def test_forged_token_is_an_auth_failure(
    sim: Sim, make: Callable[..., PartnerCenterConnector], recorder: Recorder
) -> None:
    sim.control("config", {"strict_auth": True})
    connector = make(auth="static", access_token="forged")
    with pytest.raises(ProviderAuthFailedError) as caught:
        connector.list_invoices()
    assert (caught.value.code, caught.value.http_status) == ("provider_auth_failed", 401)


def test_refresh_token_rotation_against_the_simulator(sim: Sim) -> None:
    import httpx

    tenant = "5d6f1e3a-0000-4c1b-9a8e-5ea71111e000"
    # The consent step is out of band; the simulator also returns a refresh token on the
    # client-credentials grant, which stands in for the one the consent would give.
    first = httpx.post(
        f"{sim.url}/{tenant}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "seatline-app", "client_secret": "s"},
    ).json()
    refresh_token = first["refresh_token"]
    store = InMemoryTokenStore()
    provider = RefreshTokenProvider(
        tenant_id=tenant,
        client_id="seatline-app",
        client_secret="s",
        store=store,
        store_key="pc",
        refresh_token=refresh_token,
        authority=sim.url,
    )
    provider.get_token()
    rotated = store.load_refresh_token("pc")
    assert rotated and rotated != refresh_token
    provider.get_token(force_refresh=True)
    assert store.load_refresh_token("pc") not in (None, refresh_token, rotated)
    store.save_refresh_token("pc", rotated)  # reuse of a redeemed refresh token
    with pytest.raises(ProviderAuthFailedError) as caught:
        provider.get_token(force_refresh=True)
    assert (caught.value.provider_name, caught.value.http_status) == ("invalid_grant", 400)
    provider.close()


def test_customer_list_follows_continuation_pages(
    sim: Sim, make: Callable[..., PartnerCenterConnector], recorder: Recorder
) -> None:
    sim.control("config", {"page_size": 2})
    connector = make(customer_page_size=2)
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    created = [connector.create_customer(customer_request(name)).id for name in names]
    before = len(recorder.requests)
    listed = [customer.id for customer in connector.list_customers()]
    assert listed == created
    pages = recorder.requests[before:]
    assert len(pages) == 3
    assert [p.url.params.get("seekOperation") for p in pages] == [None, "Next", "Next"]
    assert [bool(p.headers.get("MS-ContinuationToken")) for p in pages] == [False, True, True]
    assert connector.find_customer(domain="DELTA.onmicrosoft.com").id == created[3]
    assert connector.find_customer(domain="nobody.onmicrosoft.com") is None


def test_patch_sends_the_full_body_so_auto_renew_survives(
    sim: Sim, connector: PartnerCenterConnector, recorder: Recorder
) -> None:
    subscription = _buy(connector)
    assert subscription.auto_renew is True
    changed = connector.change_quantity(subscription.customer_id, subscription.id, 6)
    assert (changed.quantity, changed.auto_renew) == (6, True)
    (patch,) = recorder.to("PATCH", f"/subscriptions/{subscription.id}")
    assert patch.headers.get("If-Match")
    assert b'"autoRenewEnabled":true' in patch.content

    # The documented trap the full body avoids: a minimal PATCH turns auto-renew off.
    path = f"/v1/customers/{subscription.customer_id}/subscriptions/{subscription.id}"
    connector.client.request("PATCH", path, json={"quantity": 7})
    assert connector.get_subscription(subscription.customer_id, subscription.id).auto_renew is False


def test_auto_renew_and_scheduled_next_term(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    customer_id = subscription.customer_id
    instructions = NextTermInstructions(
        offer_id=BASIC, term_duration="P1Y", billing_cycle="monthly", quantity=3
    )
    scheduled = connector.schedule_next_term(customer_id, subscription.id, instructions)
    assert scheduled.next_term == instructions
    assert scheduled.auto_renew is True
    assert connector.get_subscription(customer_id, subscription.id).next_term == instructions
    off = connector.set_auto_renew(customer_id, subscription.id, False)
    assert (off.auto_renew, off.next_term) == (False, None)
    assert connector.set_auto_renew(customer_id, subscription.id, True).auto_renew is True


def test_suspended_subscription_refuses_quantity_changes(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    customer_id = subscription.customer_id
    suspended = connector.suspend(customer_id, subscription.id)
    assert (suspended.status, suspended.auto_renew) == (SubscriptionStatus.SUSPENDED, False)
    with pytest.raises(ProviderSubscriptionSuspendedError) as caught:
        connector.change_quantity(customer_id, subscription.id, 9)
    assert caught.value.code == "provider_subscription_suspended"
    assert caught.value.provider_code in (2001, 800091)
    assert caught.value.provider_message
    assert connector.activate(customer_id, subscription.id).status == SubscriptionStatus.ACTIVE
    assert connector.change_quantity(customer_id, subscription.id, 9).quantity == 9


def test_quantity_outside_the_offer_limits(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    with pytest.raises(ProviderQuantityInvalidError) as caught:
        connector.change_quantity(subscription.customer_id, subscription.id, 100_000)
    assert caught.value.code == "provider_quantity_invalid"
    assert caught.value.provider_code in (2002, 900275)
    line = OrderLine(offer_id=BASIC, quantity=100_000, term_duration="P1Y", billing_cycle="monthly")
    with pytest.raises(ProviderQuantityInvalidError) as order_error:
        connector.order_subscriptions(subscription.customer_id, [line])
    assert order_error.value.provider_code in (10015, 900275)


def test_invalid_order_lines(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    bad_item = OrderLine(offer_id="NOPE:0001:NOPE", quantity=1, term_duration="P1Y", billing_cycle="monthly")
    with pytest.raises(ProviderInvalidRequestError) as caught:
        connector.order_subscriptions(subscription.customer_id, [bad_item])
    assert (caught.value.code, caught.value.provider_code) == ("provider_invalid_request", 10001)
    bad_term = OrderLine(offer_id=BASIC, quantity=1, term_duration="P1M", billing_cycle="annual")
    with pytest.raises(ProviderInvalidRequestError) as term_error:
        connector.order_subscriptions(subscription.customer_id, [bad_term])
    assert term_error.value.provider_code == 10010


def test_agreement_already_exists_and_not_found(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    customer_id = subscription.customer_id
    existing = connector.list_customer_agreements(customer_id)[0]
    body = {
        "primaryContact": {
            "firstName": "Ada",
            "lastName": "Lee",
            "email": "ada@acme.example",
            "phoneNumber": "4255550100",
        },
        "templateId": existing.template_id,
        "dateAgreed": "2026-03-02T09:00:00Z",
        "type": "MicrosoftCustomerAgreement",
    }
    with pytest.raises(ProviderConflictError) as caught:
        connector.client.request("POST", f"/v1/customers/{customer_id}/agreements", json=body)
    assert (caught.value.provider_code, caught.value.provider_name) == (
        600061,
        "PartnerConfirmedAgreementAlreadyExists",
    )
    with pytest.raises(ProviderNotFoundError) as missing:
        connector.get_subscription(customer_id, "00000000-0000-0000-0000-000000000000")
    assert (missing.value.code, missing.value.http_status) == ("provider_not_found", 404)
    assert connector.find_customer(customer_id="00000000-0000-0000-0000-000000000000") is None


def test_stale_etag_is_a_conflict(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector)
    path = f"/v1/customers/{subscription.customer_id}/subscriptions/{subscription.id}"
    stale = connector.client.get(path)
    connector.change_quantity(subscription.customer_id, subscription.id, 6)
    stale["quantity"] = 8
    with pytest.raises(ProviderConflictError) as caught:
        connector.client.request("PATCH", path, json=stale, headers={"If-Match": stale["attributes"]["etag"]})
    assert (caught.value.code, caught.value.http_status) == ("provider_conflict", 412)


def test_every_error_is_a_provider_error(sim: Sim, connector: PartnerCenterConnector) -> None:
    with pytest.raises(ProviderError):
        connector.get_subscription("nobody", "nothing")


def test_patch_answered_202_is_followed_to_its_location(
    sim: Sim, connector: PartnerCenterConnector, sleeps: list[float], recorder: Recorder
) -> None:
    subscription = _buy(connector)
    sim.control("faults", {"route": PATCH_ROUTE, "status": 202, "count": 1})
    changed = connector.change_quantity(subscription.customer_id, subscription.id, 9)
    assert (changed.quantity, changed.auto_renew) == (9, True)
    path = f"/v1/customers/{subscription.customer_id}/subscriptions/{subscription.id}"
    assert [r.method for r in recorder.requests if r.url.path == path][-3:] == ["GET", "PATCH", "GET"]
    assert sleeps == []


def test_delayed_provisioning_reports_pending_lines(
    sim: Sim, connector: PartnerCenterConnector, sleeps: list[float]
) -> None:
    customer = connector.create_customer(customer_request("Slowpoke"))
    connector.accept_customer_agreement(customer.id, acceptance())
    sim.control("faults", {"delay_provisioning": True})
    line = OrderLine(offer_id=BASIC, quantity=4, term_duration="P1M", billing_cycle="monthly")
    result = connector.order_subscriptions(customer.id, [line])
    assert result.subscriptions == ()
    assert [(p.line_number, p.offer_id, p.quantity) for p in result.pending] == [(0, BASIC, 4)]
    assert result.pending[0].order_id == result.order_ids[0]
    assert result.complete is False
    assert sleeps == [1.0] * 5  # order_poll_interval 1 s within order_max_wait 5 s
    sim.advance("PT2M")  # the simulator provisions the order after its delay
    (subscription,) = connector.list_subscriptions(customer.id)
    assert (subscription.order_id, subscription.quantity, subscription.term_duration) == (
        result.order_ids[0],
        4,
        "P1M",
    )


def test_updates_during_renewal_processing_are_conflicts(sim: Sim, connector: PartnerCenterConnector) -> None:
    customer = connector.create_customer(customer_request("Renewco"))
    connector.accept_customer_agreement(customer.id, acceptance())
    line = OrderLine(offer_id=BASIC, quantity=4, term_duration="P1M", billing_cycle="monthly")
    (subscription,) = connector.order_subscriptions(customer.id, [line]).subscriptions
    assert subscription.commitment_end == dt.date(2026, 4, 1)
    sim.control("config", {"renewal_processing_minutes": 120})
    sim.set_now("2026-04-02T00:30:00Z")  # renewed at 00:00 UTC the day after the term end
    with pytest.raises(ProviderConflictError) as caught:
        connector.change_quantity(customer.id, subscription.id, 2)
    assert (caught.value.http_status, caught.value.provider_code, caught.value.retryable) == (
        409,
        800082,
        True,
    )
    assert caught.value.message == (
        "the subscription is being processed (for example its renewal is in progress); retry in a few minutes"
    )
    sim.advance("PT2H")
    renewed = connector.get_subscription(customer.id, subscription.id)
    assert renewed.commitment_end == dt.date(2026, 5, 1)
    assert renewed.refundable_quantity.total == 4  # the renewal opens a new 7-day window
    assert renewed.cancellation_allowed_until == dt.datetime(2026, 4, 9, 0, 0, tzinfo=dt.UTC)
    assert connector.change_quantity(customer.id, subscription.id, 2).quantity == 2


def test_one_cart_with_two_billing_cycles_gives_two_orders(
    sim: Sim, connector: PartnerCenterConnector
) -> None:
    customer = connector.create_customer(customer_request("Twocycles"))
    connector.accept_customer_agreement(customer.id, acceptance())
    lines = [
        OrderLine(
            offer_id=BASIC, quantity=2, term_duration="P1Y", billing_cycle="monthly", friendly_name="Monthly"
        ),
        OrderLine(
            offer_id=BASIC, quantity=3, term_duration="P1Y", billing_cycle="annual", friendly_name="Upfront"
        ),
    ]
    result = connector.order_subscriptions(customer.id, lines)
    assert result.complete and len(result.order_ids) == 2
    assert sorted((s.billing_cycle, s.quantity, s.friendly_name) for s in result.subscriptions) == [
        ("annual", 3, "Upfront"),
        ("monthly", 2, "Monthly"),
    ]
    assert {s.order_id for s in result.subscriptions} == set(result.order_ids)
    assert sorted(s.id for s in connector.list_subscriptions(customer.id)) == sorted(
        s.id for s in result.subscriptions
    )


def test_unbilled_lines_of_the_current_period(sim: Sim, connector: PartnerCenterConnector) -> None:
    subscription = _buy(connector, quantity=5)
    (line,) = list(connector.iter_unbilled_lines("USD"))
    assert (line.charge_type, line.subscription_id, line.quantity, line.total, line.invoice_number) == (
        "new",
        subscription.id,
        Decimal(5),
        Decimal("30.00"),
        "",
    )
    assert (line.charge_start, line.charge_end, line.billing_frequency) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 4, 1),
        "",  # billingFrequency is blank on unbilled rows (as Partner Center sends them)
    )


def test_create_customer_is_retried_with_the_same_request_id(
    sim: Sim, connector: PartnerCenterConnector, sleeps: list[float], recorder: Recorder
) -> None:
    sim.control("faults", {"route": "POST /v1/customers", "status": 503, "count": 1})
    customer = connector.create_customer(customer_request("Retryco"))
    posts = recorder.to("POST", "/v1/customers")
    assert len(posts) == 2 and posts[0].headers["MS-RequestId"] == posts[1].headers["MS-RequestId"]
    assert sleeps == [1.0]
    assert [c.id for c in connector.list_customers()] == [customer.id]
    with pytest.raises(ProviderInvalidRequestError) as caught:
        connector.create_customer(customer_request("Retryco"))  # the domain is taken now
    assert (caught.value.http_status, caught.value.provider_name) == (400, "DomainAlreadyExists")
    assert caught.value.provider_message == "The domain retryco.onmicrosoft.com is already in use."
