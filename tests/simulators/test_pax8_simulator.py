# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Pax8 simulator's answers: token endpoint, paging envelope, filters, error envelope, seeding
refusals, and its state surviving a restart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from seatline.simulators.pax8.server import Pax8Simulator

START = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
TOKEN = {
    "client_id": "a",
    "client_secret": "b",
    "audience": "api://p8p.client",
    "grant_type": "client_credentials",
}


@pytest.fixture
def sim() -> Iterator[Pax8Simulator]:
    server = Pax8Simulator(start_time=START).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http(sim: Pax8Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=5) as client:
        token = client.post("/oauth/token", json=TOKEN).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def seed(http: httpx.Client, what: str, body: Any) -> Any:
    answer = http.post(f"/_sim/{what}", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_token_endpoint(sim: Pax8Simulator) -> None:
    with httpx.Client(base_url=sim.url, timeout=5) as client:
        ok = client.post("/v1/token", json={**TOKEN, "audience": "https://api.pax8.com"})
        assert (ok.status_code, ok.json()["expires_in"], ok.json()["token_type"]) == (200, 86400, "Bearer")
        wrong_audience = client.post("/oauth/token", json={**TOKEN, "audience": "api://other"})
        assert (wrong_audience.status_code, wrong_audience.json()["error"]) == (403, "access_denied")
        client.post("/_sim/config", json={"client_id": "a", "client_secret": "right"})
        refused = client.post("/oauth/token", json=TOKEN)
        assert refused.status_code == 401
        assert refused.json() == {"error": "access_denied", "error_description": "Unauthorized"}
        unauthenticated = client.get("/v1/companies")
        assert unauthenticated.status_code == 401
        assert unauthenticated.json() == {
            "type": "Unauthorized",
            "message": "Unauthorized: a valid bearer token is required",
            "instance": "/v1/companies",
            "status": 401,
            "details": [],
        }


def test_paging_envelope_and_filters(http: httpx.Client) -> None:
    seed(http, "companies", [{"id": f"c{n}", "name": f"Company {n}"} for n in range(3)])
    first = http.get("/v1/companies", params={"size": 2}).json()
    assert [c["id"] for c in first["content"]] == ["c0", "c1"]
    assert first["page"] == {"size": 2, "totalElements": 3, "totalPages": 2, "number": 0}
    assert http.get("/v1/companies").json()["page"]["size"] == 10  # Pax8's default
    past = http.get("/v1/companies", params={"size": 2, "page": 5}).json()
    assert (past["content"], past["page"]["number"]) == ([], 5)
    too_big = http.get("/v1/companies", params={"size": 201})
    assert (too_big.status_code, too_big.json()["details"]) == (
        422,
        [{"type": "Validation", "message": "size: size must be between 1 and 200"}],
    )
    seed(
        http,
        "invoices",
        [
            {"id": "jan", "invoiceDate": "2026-01-01"},
            {"id": "feb", "invoiceDate": "2026-02-01", "status": "Paid"},
        ],
    )
    assert [i["id"] for i in http.get("/v1/invoices").json()["content"]] == ["feb", "jan"]
    assert [
        i["id"] for i in http.get("/v1/invoices", params={"sort": "invoiceDate,asc"}).json()["content"]
    ] == ["jan", "feb"]
    assert [i["id"] for i in http.get("/v1/invoices", params={"status": "Paid"}).json()["content"]] == ["feb"]
    ranged = http.get("/v1/invoices", params={"invoiceDateRangeStart": "2026-01-15"}).json()["content"]
    assert [i["id"] for i in ranged] == ["feb"]
    assert http.get("/v1/subscriptions", params={"companyId": "nope"}).status_code == 403
    assert http.get("/v1/invoices/draftItems", params={"monthOffset": 0}).json()["content"] == []
    assert http.get("/v1/invoices/nope/items").json()["message"] == "Invoice not found: nope"


def test_seeded_items_take_the_subscription_and_compute_the_amounts(http: httpx.Client) -> None:
    seed(http, "companies", {"id": "c1", "name": "Contoso"})
    seed(
        http,
        "subscriptions",
        {"id": "s1", "companyId": "c1", "productName": "E3", "vendorSubscriptionId": "ms-1", "quantity": 5,
         "partnerCost": "20.70", "price": "23.00"},
    )  # fmt: skip
    (invoice,) = seed(
        http,
        "invoices",
        {
            "id": "i1",
            "invoiceDate": "2026-04-01",
            "items": [{"subscriptionId": "s1", "salesTax": "1.10", "billingFee": "0.50"}],
        },
    )
    assert (invoice["total"], invoice["balance"], invoice["items"]) == (105.1, 105.1, 1)
    (item,) = http.get("/v1/invoices/i1/items").json()["content"]
    assert {k: item[k] for k in ("companyName", "quantity", "cost", "costTotal", "price", "subTotal", "amountDue", "startPeriod", "endPeriod", "term")} == {
        "companyName": "Contoso", "quantity": 5, "cost": 20.70, "costTotal": 103.50, "price": 23.00,
        "subTotal": 115.00, "amountDue": 105.10, "startPeriod": "2026-04-01", "endPeriod": "2026-04-30",
        "term": "Monthly",
    }  # fmt: skip
    assert http.get("/v1/subscriptions/s1").json()["vendorSubscriptionId"] == "ms-1"
    refused = http.post("/_sim/subscriptions", json={"companyId": "nope"})
    assert (refused.status_code, refused.json()["status"]) == (400, 400)
    assert "not a company" in refused.json()["message"]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "pax8.json"
    first = Pax8Simulator(state_path=path, start_time=START).start()
    try:
        httpx.post(f"{first.url}/_sim/companies", json={"id": "c1", "name": "Contoso"}, timeout=5)
    finally:
        first.stop()
    second = Pax8Simulator(state_path=path).start()
    try:
        with httpx.Client(base_url=second.url, timeout=5) as client:
            token = client.post("/oauth/token", json=TOKEN).json()["access_token"]
            answer = client.get("/v1/companies/c1", headers={"Authorization": f"Bearer {token}"})
            assert (answer.status_code, answer.json()["name"]) == (200, "Contoso")
            assert client.get("/_sim/clock").json()["now"] == "2026-04-02T09:00:00Z"
    finally:
        second.stop()
