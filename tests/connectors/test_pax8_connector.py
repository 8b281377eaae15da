# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Pax8 connector against the Pax8 simulator over loopback: tokens, paging up to 200,
throttling, server errors, Pax8's error envelope, and the vendor (Microsoft) subscription id."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from seatline.connectors.base import ProviderConnector
from seatline.connectors.errors import (
    ProviderAuthFailedError,
    ProviderError,
    ProviderInvalidRequestError,
    ProviderNotFoundError,
    ProviderThrottledError,
)
from seatline.connectors.pax8.connector import Pax8Connector
from seatline.connectors.registry import get_connector, registered_keys
from tests.connectors.pax8_support import Pax8Sim, connector, running, seed_month


@pytest.fixture
def sim() -> Iterator[Pax8Sim]:
    with running() as handle:
        yield handle


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def pax8(sim: Pax8Sim, sleeps: list[float]) -> Iterator[Pax8Connector]:
    made = connector(sim, sleeps)
    yield made
    made.close()


def test_registered_as_a_provider_kind(sim: Pax8Sim) -> None:
    assert "pax8" in registered_keys()
    built = get_connector("pax8", {**sim.settings(), "client_secret": "x", "token_store": object()})
    try:
        assert isinstance(built, Pax8Connector)
        assert isinstance(built, ProviderConnector)
        assert built.capabilities.supports_invoice_lines is True
        assert built.client.page_size == 200
    finally:
        built.close()


def test_invoice_items_page_by_200_in_order(sim: Pax8Sim, pax8: Pax8Connector) -> None:
    sim.control("companies", {"id": "co-1", "name": "Contoso"})
    items = [{"companyId": "co-1", "quantity": 1, "cost": f"{n}.00", "sku": f"SKU-{n}"} for n in range(450)]
    sim.control("invoices", {"id": "big", "invoiceDate": "2026-04-01", "items": items})
    before = sim.stats()["pagesServed"]
    read = list(pax8.invoice_items("big"))
    assert [item.sku for item in read] == [f"SKU-{n}" for n in range(450)]
    assert read[449].cost_total == Decimal("449.00")
    assert sim.stats()["pagesServed"] - before == 3  # 200 + 200 + 50


def test_small_pages_and_filters(sim: Pax8Sim, sleeps: list[float]) -> None:
    sim.control("companies", [{"id": f"co-{n}", "name": f"Company {n}"} for n in range(5)])
    sim.control("companies", {"id": "co-gone", "name": "Zz Deleted", "status": "Deleted"})
    small = connector(sim, sleeps, page_size=2)
    try:
        assert [c.id for c in small.companies()] == ["co-0", "co-1", "co-2", "co-3", "co-4", "co-gone"]
        assert [c.id for c in small.companies(status="Deleted")] == ["co-gone"]
        assert [c.company_name for c in small.list_customers()][:2] == ["Company 0", "Company 1"]
    finally:
        small.close()
    with pytest.raises(ValueError):
        connector(sim, sleeps, page_size=201)


def test_subscriptions_carry_the_microsoft_subscription_id(sim: Pax8Sim, pax8: Pax8Connector) -> None:
    seed_month(sim)
    subs = {sub.id: sub for sub in pax8.subscriptions(company_id="co-contoso")}
    assert sorted(subs) == ["p8-sub-basic", "p8-sub-e3"]
    basic = subs["p8-sub-basic"]
    assert (basic.vendor_subscription_id, basic.vendor_sku_id, basic.quantity) == (
        "ms-sub-basic",
        "CFQ7TTC0LH18:0001",
        Decimal(12),
    )
    assert (basic.partner_cost, basic.price, basic.billing_term) == (
        Decimal("5.40"),
        Decimal("6.00"),
        "Annual",
    )
    assert pax8.subscription("p8-sub-fab").vendor_subscription_id == "ms-sub-fab"
    (one,) = [s for s in pax8.list_subscriptions("co-fabrikam")]
    assert (one.id, one.quantity, one.status, one.offer_name) == (
        "p8-sub-fab",
        3,
        "active",
        "Microsoft 365 Business Basic",
    )


def test_invoices_and_lines_resolve_the_vendor_subscription(sim: Pax8Sim, pax8: Pax8Connector) -> None:
    seed_month(sim)
    (invoice,) = list(pax8.invoices())
    assert (invoice.id, invoice.total, invoice.status, str(invoice.invoice_date)) == (
        "inv-2026-04",
        Decimal("197.91"),
        "Unpaid",
        "2026-04-01",
    )
    lines = list(pax8.iter_invoice_lines("inv-2026-04"))
    assert [(line.subscription_id, line.charge_type, line.quantity, line.total) for line in lines] == [
        ("ms-sub-basic", "subscription", Decimal(10), Decimal("54.00")),
        ("ms-sub-e3", "subscription", Decimal(5), Decimal("111.78")),
        ("ms-sub-basic", "prorate", Decimal(2), Decimal("5.22")),
        ("ms-sub-fab", "prorate", Decimal(-1), Decimal("-2.09")),
        ("ms-sub-fab", "one-time", Decimal(1), Decimal("25.00")),
        ("p8-sub-gone", "subscription", Decimal(1), Decimal("4.00")),  # unknown to Pax8: its own id
    ]
    assert (lines[0].product_id, lines[0].sku_id, lines[0].reference_id) == (
        "CFQ7TTC0LH18",
        "0001",
        "p8-sub-basic",
    )
    assert (lines[1].subtotal, lines[1].tax_total) == (Decimal("103.50"), Decimal("8.28"))
    assert lines[0].raw["subscriptionId"] == "p8-sub-basic"


def test_token_is_cached_and_refreshed_after_a_401(sim: Pax8Sim, pax8: Pax8Connector) -> None:
    seed_month(sim)
    list(pax8.companies())
    list(pax8.subscriptions())
    assert sim.stats()["tokensIssued"] == 1
    sim.advance("P2D")  # Pax8's tokens live 24 h: the cached one is now refused
    assert [c.id for c in pax8.companies()] == ["co-contoso", "co-fabrikam"]
    assert sim.stats()["tokensIssued"] == 2
    sim.control("tokens/expire")
    assert pax8.invoice("inv-2026-04").total == Decimal("197.91")
    assert sim.stats()["tokensIssued"] == 3


def test_wrong_credentials_are_refused(sim: Pax8Sim, sleeps: list[float]) -> None:
    sim.config(client_id="seatline", client_secret="right")
    wrong = connector(sim, sleeps)
    try:
        with pytest.raises(ProviderAuthFailedError) as caught:
            list(wrong.companies())
    finally:
        wrong.close()
    assert (caught.value.code, caught.value.provider_name, caught.value.http_status) == (
        "provider_auth_failed",
        "access_denied",
        401,
    )


def test_429_is_retried_after_retry_after(sim: Pax8Sim, pax8: Pax8Connector, sleeps: list[float]) -> None:
    seed_month(sim)
    sim.fault("GET /v1/invoices/*/items", 429, count=2, retry_after=3)
    assert len(list(pax8.invoice_items("inv-2026-04"))) == 6
    assert sleeps == [3.0, 3.0]


def test_429_beyond_the_attempts_is_a_throttled_error(
    sim: Pax8Sim, pax8: Pax8Connector, sleeps: list[float]
) -> None:
    sim.fault("GET /v1/companies", 429, count=4, retry_after=1)
    with pytest.raises(ProviderThrottledError) as caught:
        list(pax8.companies())
    assert sleeps == [1.0, 1.0, 1.0]
    assert (caught.value.retryable, caught.value.retry_after, caught.value.provider_message) == (
        True,
        1.0,
        "Rate limit exceeded",
    )
    sim.fault("GET /v1/companies", 429, retry_after=600)  # longer than max_retry_sleep: not waited
    with pytest.raises(ProviderThrottledError):
        list(pax8.companies())
    assert len(sleeps) == 3


def test_server_errors_are_retried(sim: Pax8Sim, pax8: Pax8Connector, sleeps: list[float]) -> None:
    seed_month(sim)
    sim.fault("GET /v1/subscriptions", 503, count=2)
    assert len(pax8.vendor_subscription_ids()) == 3
    assert sleeps == [1.0, 2.0]
    sim.fault("GET /v1/invoices", 500, count=4)
    with pytest.raises(ProviderError) as caught:
        list(pax8.invoices())
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == (
        "provider_unavailable",
        500,
        True,
    )


def test_error_envelopes(sim: Pax8Sim, pax8: Pax8Connector) -> None:
    with pytest.raises(ProviderNotFoundError) as missing:
        pax8.invoice("nope")
    assert missing.value.provider_message == "Invoice not found: nope"
    assert missing.value.provider_name == "Not Found"
    assert pax8.find_customer(customer_id="nope") is None
    with pytest.raises(ProviderInvalidRequestError) as invalid:
        pax8.client.get_object("/invoices/draftItems", params={"monthOffset": 5})
    assert invalid.value.http_status == 422
    assert (
        invalid.value.provider_message == "Invalid monthOffset value (monthOffset: Invalid monthOffset value)"
    )
    with pytest.raises(ProviderError) as unsupported:
        pax8.change_quantity("co", "sub", 3)
    assert unsupported.value.code == "provider_error"
