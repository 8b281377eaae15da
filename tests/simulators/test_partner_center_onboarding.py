# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center simulator: domains, customers, paging, MCA, carts and checkout."""

from __future__ import annotations

import httpx
import pytest

from tests.simulators.pc_support import (
    BASIC,
    MCA_TEMPLATE,
    accept_mca,
    all_pages,
    body,
    create_customer,
    customer_payload,
    error,
)


def test_domain_check_create_and_duplicate_domain(client: httpx.Client) -> None:
    assert client.head("/v1/domains/acmetest.onmicrosoft.com").status_code == 404

    response = client.post(
        "/v1/customers", json=customer_payload("acmetest"), headers={"MS-CorrelationId": "corr-1"}
    )

    assert response.status_code == 201
    assert response.headers["MS-CorrelationId"] == "corr-1"
    customer = body(response)
    assert customer["id"] == customer["companyProfile"]["tenantId"]
    assert customer["companyProfile"]["domain"] == "acmetest.onmicrosoft.com"
    assert customer["relationshipToPartner"] == "reseller"
    assert customer["userCredentials"]["userName"] == "admin"
    assert customer["attributes"]["objectType"] == "Customer"
    assert client.head("/v1/domains/acmetest.onmicrosoft.com").status_code == 200
    assert client.head("/v1/domains/ACMETEST").status_code == 200
    assert error(client.post("/v1/customers", json=customer_payload("acmetest.onmicrosoft.com"))) == (
        400,
        800002,
    )
    fetched = body(client.get(f"/v1/customers/{customer['id']}"))
    assert fetched["billingProfile"]["email"] == "it@acme.example"
    assert "userCredentials" not in fetched
    assert error(client.get("/v1/customers/00000000-0000-0000-0000-000000000000")) == (404, 60003)


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("missing_email", lambda p: p["billingProfile"].pop("email")),
        ("three_letter_country", lambda p: p["billingProfile"]["defaultAddress"].update(country="USA")),
        ("missing_city", lambda p: p["billingProfile"]["defaultAddress"].pop("city")),
        ("bad_domain", lambda p: p["companyProfile"].update(domain="not a domain")),
        ("no_company_profile", lambda p: p.pop("companyProfile")),
    ],
)
def test_customer_validation(client: httpx.Client, case: str, change) -> None:
    payload = customer_payload(f"valid{case.replace('_', '')}")
    change(payload)

    assert error(client.post("/v1/customers", json=payload)) == (400, 800002)
    assert body(client.get("/v1/customers"))["items"] == []


def test_repeated_request_id_replays_customer_creation(client: httpx.Client) -> None:
    headers = {"MS-RequestId": "6f1e0b5c-1111-4a7e-9d55-000000000001"}
    first = client.post("/v1/customers", json=customer_payload("replayco"), headers=headers)
    second = client.post("/v1/customers", json=customer_payload("replayco"), headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["MS-RequestId"] == headers["MS-RequestId"]
    assert body(first) == body(second)
    assert [c["id"] for c in body(client.get("/v1/customers", params={"size": 10}))["items"]] == [
        body(first)["id"]
    ]


def test_customer_list_pages_with_continuation_token(client: httpx.Client) -> None:
    created = [create_customer(client)["id"] for _ in range(5)]

    pages = all_pages(client, "/v1/customers", {"size": 2})

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [c["id"] for page in pages for c in page] == created
    first = body(client.get("/v1/customers", params={"size": 2}))
    assert first["totalCount"] == 2
    assert first["attributes"] == {"objectType": "Collection"}
    assert first["continuationToken"] == first["links"]["next"]["headers"][0]["value"]
    assert error(client.get("/v1/customers", params={"seekOperation": "Next"})) == (400, 800002)


def test_mca_acceptance_and_identical_duplicate(client: httpx.Client) -> None:
    templates = body(client.get("/v1/agreements", params={"agreementType": "MicrosoftCustomerAgreement"}))
    assert [t["templateId"] for t in templates["items"]] == [MCA_TEMPLATE]
    customer_id = create_customer(client)["id"]

    first = accept_mca(client, customer_id)
    duplicate = accept_mca(client, customer_id)
    other_contact = accept_mca(client, customer_id, email="grace@acme.example")

    assert first.status_code == 201
    assert body(first)["type"] == "MicrosoftCustomerAgreement"
    assert error(duplicate) == (400, 600061)
    assert duplicate.json()["errorName"] == "PartnerConfirmedAgreementAlreadyExists"
    assert duplicate.json()["isRetryable"] is False
    assert other_contact.status_code == 201
    listed = body(
        client.get(
            f"/v1/customers/{customer_id}/agreements", params={"agreementType": "MicrosoftCustomerAgreement"}
        )
    )
    assert [a["primaryContact"]["email"] for a in listed["items"]] == [
        "ada@acme.example",
        "grace@acme.example",
    ]


def test_agreement_validation(client: httpx.Client) -> None:
    customer_id = create_customer(client)["id"]
    payload = {
        "primaryContact": {"firstName": "Ada", "lastName": "Lee", "email": "ada@acme.example"},
        "templateId": "wrong",
        "dateAgreed": "2026-01-10T00:00:00Z",
        "type": "MicrosoftCustomerAgreement",
    }

    assert error(client.post(f"/v1/customers/{customer_id}/agreements", json=payload)) == (400, 800002)


def _cart(client: httpx.Client, customer_id: str, **line) -> httpx.Response:
    item = {"catalogItemId": BASIC, "quantity": 5, "termDuration": "P1Y", "billingCycle": "Monthly", **line}
    return client.post(f"/v1/customers/{customer_id}/carts", json={"lineItems": [item]})


def test_checkout_without_mca_is_forbidden(client: httpx.Client) -> None:
    customer_id = create_customer(client)["id"]
    cart = body(_cart(client, customer_id))

    response = client.post(f"/v1/customers/{customer_id}/carts/{cart['id']}/checkout")

    assert error(response) == (403, 13605)
    assert body(client.get(f"/v1/customers/{customer_id}/carts/{cart['id']}"))["status"] == "Active"
    assert body(client.get(f"/v1/customers/{customer_id}/subscriptions"))["items"] == []


@pytest.mark.parametrize(
    ("case", "line", "code"),
    [
        ("unknown_catalog_item", {"catalogItemId": "CFQ7TTC0XXXX:0001:CFQ7TTC0YYYY"}, 10001),
        ("above_maximum", {"quantity": 301}, 10015),
        ("zero_seats", {"quantity": 0}, 900275),
        ("monthly_term_billed_annually", {"termDuration": "P1M", "billingCycle": "Annual"}, 10010),
        ("missing_term", {"termDuration": None}, 10010),
    ],
)
def test_cart_validation_codes(client: httpx.Client, case: str, line: dict, code: int) -> None:
    customer_id = create_customer(client)["id"]

    assert error(_cart(client, customer_id, **line)) == (400, code)


def test_cart_pricing_update_and_checkout(client: httpx.Client) -> None:
    customer_id = create_customer(client)["id"]
    assert accept_mca(client, customer_id).status_code == 201
    cart = body(_cart(client, customer_id))
    assert cart["status"] == "Active"
    assert cart["expirationTimestamp"] == "2026-01-17T09:00:00Z"
    assert str(cart["lineItems"][0]["pricing"]["listPrice"]) == "6.00"
    assert str(cart["lineItems"][0]["pricing"]["extendedPrice"]) == "360.00"

    put = client.put(
        f"/v1/customers/{customer_id}/carts/{cart['id']}",
        json={
            "lineItems": [
                {"catalogItemId": BASIC, "quantity": 3, "termDuration": "P1M", "billingCycle": "Monthly"}
            ]
        },
    )
    assert put.status_code == 200
    assert str(body(put)["lineItems"][0]["pricing"]["listPrice"]) == "7.20"  # 1.2 x 72 / 12
    assert error(
        client.put(
            f"/v1/customers/{customer_id}/carts/{cart['id']}",
            json={"lineItems": [{"catalogItemId": BASIC, "quantity": 0}]},
        )
    ) == (400, 900275)

    checkout = client.post(f"/v1/customers/{customer_id}/carts/{cart['id']}/checkout")

    assert checkout.status_code == 201
    order = body(checkout)["orders"][0]
    assert order["status"] == "completed"
    assert order["lineItems"][0]["quantity"] == 3
    assert body(client.get(f"/v1/customers/{customer_id}/carts/{cart['id']}"))["status"] == "Ordered"
    assert error(client.post(f"/v1/customers/{customer_id}/carts/{cart['id']}/checkout")) == (400, 800065)
    assert body(client.get(f"/v1/customers/{customer_id}/orders/{order['id']}"))["id"] == order["id"]
    subs = body(client.get(f"/v1/customers/{customer_id}/subscriptions", params={"order_id": order["id"]}))
    assert [s["id"] for s in subs["items"]] == [order["lineItems"][0]["subscriptionId"]]
    assert subs["items"][0]["termDuration"] == "P1M"
    assert subs["items"][0]["commitmentEndDate"] == "2026-02-09T00:00:00Z"


def test_catalog_products_skus_availabilities(client: httpx.Client) -> None:
    products = body(client.get("/v1/products", params={"country": "US", "targetView": "OnlineServices"}))[
        "items"
    ]
    titles = {p["title"] for p in products}
    assert {
        "Microsoft 365 Business Basic",
        "Office 365 E3",
        "Microsoft 365 E5",
        "Microsoft Teams Essentials",
    } <= titles
    assert all(p["productType"]["id"] == "OnlineServicesNCE" for p in products)
    skus = body(client.get("/v1/products/CFQ7TTC0LH18/skus", params={"country": "US"}))["items"]
    assert [(s["id"], s["minimumQuantity"], s["maximumQuantity"]) for s in skus] == [("0001", 1, 300)]
    availabilities = body(
        client.get("/v1/products/CFQ7TTC0LH18/skus/0001/availabilities", params={"country": "US"})
    )
    availability = availabilities["items"][0]
    assert availability["catalogItemId"] == BASIC
    assert ("P1M", "Monthly") in {(t["duration"], t["billingCycle"]) for t in availability["terms"]}
    azure = body(client.get("/v1/products", params={"country": "US", "targetView": "MicrosoftAzure"}))[
        "items"
    ]
    assert [p["id"] for p in azure] == ["DZH318Z0BPS6"]
    assert error(client.get("/v1/products/NOPE/skus", params={"country": "US"})) == (404, 400013)
