# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for the Partner Center simulator tests: plain HTTP calls, no connector code."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import httpx

from seatline.simulators.partner_center import jsonio

START = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
MCA_TEMPLATE = "117a77b0-9360-443b-8795-c6dedc750cf9"
BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0K971"  # Microsoft 365 Business Basic, P1Y 72.00 -> 6.00 a month
E3 = "CFQ7TTC0LF8Q:0001:CFQ7TTC0N81H"
_numbers = itertools.count(1)


def body(response: httpx.Response) -> Any:
    """The JSON body with exact Decimals for fractional numbers."""
    return jsonio.loads(response.content)


def customer_payload(domain: str) -> dict[str, Any]:
    return {
        "enableGDAPByDefault": False,
        "companyProfile": {"domain": domain},
        "billingProfile": {
            "culture": "EN-US",
            "email": "it@acme.example",
            "language": "en",
            "companyName": "Acme Ltd",
            "defaultAddress": {
                "firstName": "Ada",
                "lastName": "Lee",
                "addressLine1": "1 Main St",
                "city": "Redmond",
                "state": "WA",
                "postalCode": "98052",
                "country": "US",
            },
        },
    }


def create_customer(client: httpx.Client, domain: str | None = None) -> dict[str, Any]:
    response = client.post("/v1/customers", json=customer_payload(domain or f"acme{next(_numbers)}"))
    assert response.status_code == 201, response.text
    return body(response)


def accept_mca(client: httpx.Client, customer_id: str, email: str = "ada@acme.example") -> httpx.Response:
    return client.post(
        f"/v1/customers/{customer_id}/agreements",
        json={
            "primaryContact": {"firstName": "Ada", "lastName": "Lee", "email": email},
            "templateId": MCA_TEMPLATE,
            "dateAgreed": "2026-01-10T00:00:00Z",
            "type": "MicrosoftCustomerAgreement",
        },
    )


def buy(
    client: httpx.Client,
    customer_id: str,
    *,
    offer: str = BASIC,
    quantity: int = 10,
    term: str = "P1Y",
    cycle: str = "Monthly",
) -> dict[str, Any]:
    """Cart + checkout of one line; returns the subscription resource."""
    cart = client.post(
        f"/v1/customers/{customer_id}/carts",
        json={
            "lineItems": [
                {"catalogItemId": offer, "quantity": quantity, "termDuration": term, "billingCycle": cycle}
            ]
        },
    )
    assert cart.status_code == 201, cart.text
    result = client.post(f"/v1/customers/{customer_id}/carts/{body(cart)['id']}/checkout")
    assert result.status_code == 201, result.text
    sub_id = body(result)["orders"][0]["lineItems"][0]["subscriptionId"]
    return get_sub(client, customer_id, sub_id)


def customer_with_mca(client: httpx.Client) -> str:
    customer = create_customer(client)
    assert accept_mca(client, customer["id"]).status_code == 201
    return customer["id"]


def get_sub(client: httpx.Client, customer_id: str, sub_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/customers/{customer_id}/subscriptions/{sub_id}")
    assert response.status_code == 200, response.text
    return body(response)


def patch_sub(client: httpx.Client, sub: dict[str, Any], **changes: Any) -> httpx.Response:
    """Full-body PATCH (GET, mutate, PATCH back), the way the real API wants it."""
    customer_id = sub["links"]["self"]["uri"].split("/")[2]
    current = get_sub(client, customer_id, sub["id"])
    payload = jsonio.loads(jsonio.dumps({**current, **changes}))
    return client.patch(
        f"/v1/customers/{customer_id}/subscriptions/{sub['id']}", content=jsonio.dumps(payload).encode()
    )


def advance(client: httpx.Client, duration: str) -> dict[str, Any]:
    response = client.post("/_sim/clock", json={"advance": duration})
    assert response.status_code == 200, response.text
    return response.json()


def set_now(client: httpx.Client, instant: str) -> dict[str, Any]:
    response = client.post("/_sim/clock", json={"now": instant})
    assert response.status_code == 200, response.text
    return response.json()


def error(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


def all_pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Follow links.next with MS-ContinuationToken; returns the pages."""
    pages = []
    response = client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = body(response)
        pages.append(page["items"])
        following = page["links"].get("next")
        if not following:
            return pages
        headers = {h["key"]: h["value"] for h in following["headers"]}
        response = client.get("/v1" + following["uri"], headers=headers)


def money(value: Any) -> Decimal:
    return Decimal(str(value))
