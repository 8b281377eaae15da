# SPDX-License-Identifier: AGPL-3.0-or-later
"""Transport behaviour of the Partner Center client against a scripted loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from seatline.connectors.errors import (
    ProviderAuthFailedError,
    ProviderError,
    ProviderThrottledError,
    ProviderUnavailableError,
    ProviderWindowPassedError,
)
from seatline.connectors.partner_center.client import PartnerCenterClient, next_page, retry_after_seconds
from seatline.connectors.partner_center.connector import PartnerCenterConnector
from seatline.connectors.partner_center.parsing import Fields
from tests.connectors.local_server import LocalServer, Reply, Seen


class CountingTokens:
    """Hands out token-1, token-2, ... ; a forced refresh moves to the next one."""

    def __init__(self) -> None:
        self.issued = 0
        self.forced = 0

    def get_token(self, *, force_refresh: bool = False) -> str:
        if force_refresh or self.issued == 0:
            self.issued += 1
            self.forced += int(force_refresh)
        return f"token-{self.issued}"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def tokens() -> CountingTokens:
    return CountingTokens()


@pytest.fixture
def client(server: LocalServer, sleeps: list[float], tokens: CountingTokens) -> PartnerCenterClient:
    return PartnerCenterClient(
        token_provider=tokens, base_url=server.url, sleep=sleeps.append, max_attempts=3, max_retry_sleep=10
    )


def test_headers_on_every_call(server: LocalServer, client: PartnerCenterClient) -> None:
    server.routes["GET /v1/customers/c1"] = lambda seen: Reply(200, {"id": "c1"})
    client.get("/v1/customers/c1")
    client.get("/v1/customers/c1")
    first, second = server.seen
    assert first.headers["authorization"] == "Bearer token-1"
    assert first.headers["accept"] == "application/json"
    assert first.headers["ms-contract-version"] == "v1"
    assert len(first.headers["ms-requestid"]) == 36
    assert len(first.headers["ms-correlationid"]) == 36
    assert first.headers["ms-requestid"] != second.headers["ms-requestid"]  # a new logical call


def test_429_is_retried_after_retry_after_with_the_same_request_id(
    server: LocalServer, client: PartnerCenterClient, sleeps: list[float]
) -> None:
    calls: list[Seen] = []

    def patch(seen: Seen) -> Reply:
        calls.append(seen)
        if len(calls) < 3:
            return Reply(429, {"code": 429, "description": "Too many requests"}, {"Retry-After": "2"})
        return Reply(200, {"id": "s1", "quantity": 5})

    server.routes["PATCH /v1/customers/c1/subscriptions/s1"] = patch
    response = client.request("PATCH", "/v1/customers/c1/subscriptions/s1", json={"quantity": 5})
    assert response.status == 200
    assert sleeps == [2.0, 2.0]
    assert len({seen.headers["ms-requestid"] for seen in calls}) == 1
    assert response.request_id == calls[0].headers["ms-requestid"]
    assert [json.loads(seen.body) for seen in calls] == [{"quantity": 5}] * 3


def test_429_gives_up_after_max_attempts(
    server: LocalServer, client: PartnerCenterClient, sleeps: list[float]
) -> None:
    server.routes["GET /v1/customers"] = lambda seen: Reply(429, {"code": 429}, {"Retry-After": "1"})
    with pytest.raises(ProviderThrottledError) as caught:
        client.get("/v1/customers")
    assert caught.value.code == "provider_throttled"
    assert caught.value.retry_after == 1.0
    assert caught.value.retryable is True
    assert sleeps == [1.0, 1.0]
    assert len(server.seen) == 3


def test_429_with_a_long_retry_after_is_not_slept(
    server: LocalServer, client: PartnerCenterClient, sleeps: list[float]
) -> None:
    server.routes["GET /v1/customers"] = lambda seen: Reply(429, {"code": 429}, {"Retry-After": "120"})
    with pytest.raises(ProviderThrottledError) as caught:
        client.get("/v1/customers")
    assert caught.value.retry_after == 120.0
    assert sleeps == []
    assert len(server.seen) == 1


def test_401_refreshes_the_token_once(
    server: LocalServer, client: PartnerCenterClient, tokens: CountingTokens
) -> None:
    def get(seen: Seen) -> Reply:
        if seen.headers["authorization"] == "Bearer token-1":
            return Reply(401, {"code": 401, "description": "token expired"})
        return Reply(200, {"id": "c1"})

    server.routes["GET /v1/customers/c1"] = get
    assert client.get("/v1/customers/c1") == {"id": "c1"}
    assert tokens.forced == 1
    assert [s.headers["authorization"] for s in server.seen] == ["Bearer token-1", "Bearer token-2"]
    assert server.seen[0].headers["ms-requestid"] == server.seen[1].headers["ms-requestid"]


def test_a_second_401_is_an_auth_failure(
    server: LocalServer, client: PartnerCenterClient, tokens: CountingTokens
) -> None:
    server.routes["GET /v1/customers/c1"] = lambda seen: Reply(401, {"code": 401, "description": "nope"})
    with pytest.raises(ProviderAuthFailedError) as caught:
        client.get("/v1/customers/c1")
    assert caught.value.code == "provider_auth_failed"
    assert caught.value.provider_message == "nope"
    assert tokens.forced == 1
    assert len(server.seen) == 2


def test_5xx_is_retried_for_get_but_not_for_a_plain_post(
    server: LocalServer, client: PartnerCenterClient, sleeps: list[float]
) -> None:
    server.routes["GET /v1/invoices"] = lambda seen: Reply(503, "busy")
    server.routes["POST /v1/customers/c1/carts"] = lambda seen: Reply(503, "busy")
    with pytest.raises(ProviderUnavailableError):
        client.get("/v1/invoices")
    assert len(server.requests_to("GET", "/v1/invoices")) == 3
    assert sleeps == [1.0, 2.0]
    with pytest.raises(ProviderUnavailableError) as caught:
        client.request("POST", "/v1/customers/c1/carts", json={})
    assert len(server.requests_to("POST", "/v1/customers/c1/carts")) == 1
    assert caught.value.provider_message == "busy"
    assert caught.value.http_status == 503


def test_error_body_is_mapped_with_provider_code_and_text(
    server: LocalServer, client: PartnerCenterClient
) -> None:
    text = "You have passed your 168-hour window for reducing seats for this subscription."
    server.routes["PATCH /v1/customers/c1/subscriptions/s1"] = lambda seen: Reply(
        400, {"code": "900214", "description": text, "errorName": "ReduceWindowPassed", "isRetryable": False}
    )
    with pytest.raises(ProviderWindowPassedError) as caught:
        client.request("PATCH", "/v1/customers/c1/subscriptions/s1", json={"quantity": 1})
    error = caught.value
    assert (error.code, error.provider_code, error.provider_message, error.http_status) == (
        "provider_window_passed",
        900214,
        text,
        400,
    )
    assert error.message == "the 7-day NCE window for reducing seats has passed"
    assert error.provider_name == "ReduceWindowPassed"
    assert error.request_id == server.seen[0].headers["ms-requestid"]


def _page(items: list[dict[str, object]], next_uri: str | None, token: str | None) -> dict[str, object]:
    body: dict[str, object] = {
        "totalCount": len(items),
        "items": items,
        "attributes": {"objectType": "Collection"},
    }
    if next_uri:
        body["links"] = {
            "next": {
                "uri": next_uri,
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": token}],
            }
        }
        body["continuationToken"] = token
    return body


def test_continuation_paging_is_lazy_and_follows_links_next(
    server: LocalServer, client: PartnerCenterClient
) -> None:
    pages = {
        None: _page([{"id": "a"}, {"id": "b"}], "/v1/customers?size=2&seekOperation=Next", "t1"),
        "t1": _page([{"id": "c"}, {"id": "d"}], "/v1/customers?size=2&seekOperation=Next", "t2"),
        "t2": _page([{"id": "e"}], None, None),
    }
    server.routes["GET /v1/customers"] = lambda seen: Reply(
        200, pages[seen.headers.get("ms-continuationtoken")]
    )
    items = client.iter_items("/v1/customers", params={"size": 2})
    assert next(items).data == {"id": "a"}
    assert len(server.seen) == 1  # lazily: only the first page so far
    assert [item.text("id") for item in items] == ["b", "c", "d", "e"]
    assert len(server.seen) == 3
    assert [s.query.get("seekOperation") for s in server.seen] == [None, ["Next"], ["Next"]]
    assert [s.query["size"] for s in server.seen] == [["2"]] * 3
    assert len({s.headers["ms-correlationid"] for s in server.seen}) == 1


def test_paging_accepts_next_uris_without_v1_and_without_seek_operation(
    server: LocalServer, client: PartnerCenterClient
) -> None:
    path = "/v1/invoices/G1/lineitems"
    first = _page([{"n": 1}], "/invoices/G1/lineitems?provider=onetime", "tok")
    server.routes[f"GET {path}"] = lambda seen: Reply(
        200, first if "ms-continuationtoken" not in seen.headers else _page([{"n": 2}], None, None)
    )
    assert [item.integer("n") for item in client.iter_items(path, identity=None)] == [1, 2]
    assert server.seen[1].query == {"provider": ["onetime"], "seekOperation": ["Next"]}
    assert server.seen[1].headers["ms-continuationtoken"] == "tok"


def test_next_page_uses_the_body_token_when_the_link_has_no_headers() -> None:
    body = {"items": [], "continuationToken": "abc", "links": {"next": {"uri": "/v1/customers?size=2"}}}
    assert next_page(Fields(body)) == (
        "/v1/customers?size=2&seekOperation=Next",
        {"MS-ContinuationToken": "abc"},
    )
    assert next_page(Fields({"items": []})) is None


def test_retry_after_forms() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def _subscription(quantity: int, etag: str) -> dict[str, object]:
    return {
        "id": "s1",
        "offerId": "P:0001:A",
        "quantity": quantity,
        "status": "active",
        "autoRenewEnabled": True,
        "termDuration": "P1Y",
        "billingCycle": "monthly",
        "scheduledNextTermInstructions": {
            "product": {
                "productId": "P",
                "skuId": "0001",
                "availabilityId": "A",
                "billingCycle": "monthly",
                "termDuration": "P1Y",
            },
            "quantity": 3,
        },
        "someFutureField": {"price": "12.345"},
        "attributes": {"etag": etag, "objectType": "Subscription"},
    }


def test_patch_sends_the_full_body_and_follows_202_location(
    server: LocalServer, client: PartnerCenterClient, sleeps: list[float]
) -> None:
    state = {"sub": _subscription(2, "e1"), "polls": 0}
    path = "/v1/customers/c1/subscriptions/s1"

    def get(seen: Seen) -> Reply:
        if seen.headers.get("ms-requestid") and state["polls"] == 1:
            state["polls"] = 2
            return Reply(202, None, {"Location": "/customers/c1/subscriptions/s1"})
        return Reply(200, state["sub"])

    def patch(seen: Seen) -> Reply:
        state["sub"] = json.loads(seen.body)
        state["polls"] = 1
        return Reply(202, None, {"Location": "/customers/c1/subscriptions/s1"})

    server.routes[f"GET {path}"] = get
    server.routes[f"PATCH {path}"] = patch
    connector = PartnerCenterConnector(client, patch_poll_interval=0.5, patch_max_wait=5)
    result = connector.change_quantity("c1", "s1", 4)
    assert result.quantity == 4
    assert result.auto_renew is True
    assert result.next_term is not None and result.next_term.quantity == 3
    (sent,) = server.requests_to("PATCH", path)
    body = json.loads(sent.body)
    expected = _subscription(4, "e1")
    assert body == expected  # everything from the GET, only quantity changed
    assert '"price":"12.345"' in sent.body
    assert sent.headers["if-match"] == "e1"
    assert sleeps == [0.5]  # one 202 while polling, then the result
    assert len({s.headers["ms-correlationid"] for s in server.seen}) == 1


def test_decimal_numbers_are_never_floats(server: LocalServer, client: PartnerCenterClient) -> None:
    server.routes["GET /v1/x"] = lambda seen: Reply(200, '{"a": 0.1, "b": 3, "c": "16"}')
    assert client.get("/v1/x") == {"a": Decimal("0.1"), "b": 3, "c": "16"}


def test_links_to_another_host_are_refused(server: LocalServer, client: PartnerCenterClient) -> None:
    server.routes["GET /v1/customers"] = lambda seen: Reply(
        200, _page([{"id": "a"}], "https://evil.example/v1/customers", "t")
    )
    with pytest.raises(ProviderError, match="another host"):
        list(client.iter_items("/v1/customers"))
    assert len(server.seen) == 1
