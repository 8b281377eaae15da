# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures running the Partner Center simulator on loopback for connector integration tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx

from seatline.connectors.base import Address, AgreementAcceptance, CustomerRequest
from seatline.connectors.partner_center.connector import PartnerCenterConnector
from seatline.connectors.partner_center.tokens import ClientCredentialsTokenProvider

START = "2026-03-02T10:00:00Z"
BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0K971"  # Microsoft 365 Business Basic in the seed catalog


@dataclass
class Sim:
    url: str
    http: httpx.Client

    def control(self, what: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(f"{self.url}/_sim/{what}", json=body or {})
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def advance(self, duration: str) -> None:
        self.control("clock", {"advance": duration})

    def set_now(self, instant: str) -> None:
        self.control("clock", {"now": instant})


@dataclass
class Recorder:
    """httpx event hook: every request the connector sends (method, url, headers)."""

    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def to(self, method: str, path_part: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and path_part in r.url.path]


class CountingClientCredentials(ClientCredentialsTokenProvider):
    acquired = 0

    def _acquire(self) -> Any:
        self.acquired += 1
        return super()._acquire()


def make_connector(sim: Sim, sleeps: list[float], recorder: Recorder, **extra: Any) -> PartnerCenterConnector:
    config: dict[str, Any] = {
        "base_url": sim.url,
        "authority": sim.url,
        "auth": "client_credentials",
        "tenant_id": "5d6f1e3a-0000-4c1b-9a8e-5ea71111e000",
        "client_id": "seatline-app",
        "client_secret": "secret",
        "max_attempts": 4,
        "max_retry_sleep": 5,
        "order_poll_interval": 1,
        "order_max_wait": 5,
        "patch_poll_interval": 1,
        "patch_max_wait": 5,
    }
    config.update(extra)
    http = httpx.Client(timeout=10, event_hooks={"request": [recorder]})
    return PartnerCenterConnector.from_config(config, http=http, sleep=sleeps.append)


def customer_request(name: str) -> CustomerRequest:
    slug = name.lower().replace(" ", "")
    return CustomerRequest(
        company_name=name,
        domain=f"{slug}.onmicrosoft.com",
        email=f"it@{slug}.example",
        address=Address(
            first_name="Ada",
            last_name="Lee",
            line1="1 Main St",
            city="Redmond",
            state="WA",
            postal_code="98052",
            country="US",
            phone="4255550100",
        ),
    )


def acceptance() -> AgreementAcceptance:
    return AgreementAcceptance(
        first_name="Ada",
        last_name="Lee",
        email="ada@acme.example",
        date_agreed=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        phone="4255550100",
    )
