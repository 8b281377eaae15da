# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Pax8 simulator on loopback, seeding helpers and a connector pointed at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from seatline.connectors.pax8.connector import Pax8Connector
from seatline.simulators.pax8.server import Pax8Simulator

START = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Pax8Sim:
    url: str
    http: httpx.Client

    def control(self, what: str, body: Any = None) -> Any:
        response = self.http.post(f"{self.url}/_sim/{what}", json=body if body is not None else {})
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def stats(self) -> dict[str, int]:
        answer: dict[str, int] = self.http.get(f"{self.url}/_sim/stats").json()
        return answer

    def config(self, **values: Any) -> None:
        self.control("config", values)

    def fault(self, route: str, status: int, *, count: int = 1, retry_after: float | None = None) -> None:
        body: dict[str, Any] = {"route": route, "status": status, "count": count}
        if retry_after is not None:
            body["retry_after"] = retry_after
        self.control("faults", body)

    def advance(self, duration: str) -> None:
        self.control("clock", {"advance": duration})

    def settings(self) -> dict[str, Any]:
        """Provider settings pointing a Pax8 connector at this simulator (no secret in them)."""
        return {
            "base_url": f"{self.url}/v1",
            "token_url": f"{self.url}/oauth/token",
            "client_id": "seatline",
            "max_retry_sleep": 5,
        }


@contextmanager
def running() -> Iterator[Pax8Sim]:
    server = Pax8Simulator(start_time=START).start()
    http = httpx.Client(timeout=10)
    try:
        yield Pax8Sim(server.url, http)
    finally:
        http.close()
        server.stop()


def connector(sim: Pax8Sim, sleeps: list[float], **extra: Any) -> Pax8Connector:
    config = {**sim.settings(), "client_secret": "s3cret", **extra}
    return Pax8Connector.from_config(config, sleep=sleeps.append)


def seed_month(sim: Pax8Sim) -> dict[str, Any]:
    """Two customers, three Microsoft subscriptions and April 2026's invoice with six items:
    two subscription charges, a mid-month add (prorate), a reduction credit (prorate, negative),
    a one-time charge, and an item of a subscription Pax8 no longer lists."""
    sim.control(
        "companies",
        [
            {"id": "co-contoso", "name": "Contoso"},
            {"id": "co-fabrikam", "name": "Fabrikam", "externalId": "F-1"},
        ],
    )
    sim.control(
        "subscriptions",
        [
            {
                "id": "p8-sub-basic", "companyId": "co-contoso", "productName": "Microsoft 365 Business Basic",
                "vendorSubscriptionId": "ms-sub-basic", "vendorSkuId": "CFQ7TTC0LH18:0001", "quantity": 12,
                "partnerCost": "5.40", "price": "6.00", "billingTerm": "Annual",
            },
            {
                "id": "p8-sub-e3", "companyId": "co-contoso", "productName": "Office 365 E3",
                "vendorSubscriptionId": "ms-sub-e3", "quantity": 5, "partnerCost": "20.70", "price": "23.00",
            },
            {
                "id": "p8-sub-fab", "companyId": "co-fabrikam", "productName": "Microsoft 365 Business Basic",
                "vendorSubscriptionId": "ms-sub-fab", "vendorSkuId": "CFQ7TTC0LH18:0001", "quantity": 3,
                "partnerCost": "5.40", "price": "6.00",
            },
        ],
    )  # fmt: skip
    (invoice,) = sim.control(
        "invoices",
        {
            "id": "inv-2026-04",
            "invoiceDate": "2026-04-01",
            "items": [
                {"subscriptionId": "p8-sub-basic", "quantity": 10, "startPeriod": "2026-04-01"},
                {"subscriptionId": "p8-sub-e3", "startPeriod": "2026-04-01", "salesTax": "8.28"},
                {
                    "subscriptionId": "p8-sub-basic", "type": "prorate", "quantity": 2,
                    "startPeriod": "2026-03-17", "endPeriod": "2026-03-31", "cost": "2.61",
                },
                {
                    "subscriptionId": "p8-sub-fab", "type": "prorate", "quantity": -1,
                    "startPeriod": "2026-03-20", "endPeriod": "2026-03-31", "cost": "2.09",
                },
                {
                    "subscriptionId": "p8-sub-fab", "type": "one-time", "quantity": 1, "cost": "25.00",
                    "description": "Migration service", "startPeriod": "2026-04-01", "endPeriod": "2026-04-01",
                },
                {
                    "subscriptionId": "p8-sub-gone", "companyId": "co-fabrikam", "productName": "Exchange Online",
                    "quantity": 1, "cost": "4.00", "startPeriod": "2026-04-01",
                },
            ],
        },
    )  # fmt: skip
    return dict(invoice)
