# SPDX-License-Identifier: AGPL-3.0-or-later
"""Test helpers: the Partner Center simulator on loopback, Seatline's clock moved with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from seatline import clock
from seatline.catalog.models import Product
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account, Contact
from seatline.providers.models import Provider

START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0K971"  # Microsoft 365 Business Basic in the simulator's catalog
BASIC_PART = "CFQ7TTC0LH18:0001"
SECRET_ENV = "SEATLINE_TEST_PC_CLIENT_SECRET"


@dataclass
class Sim:
    """The running simulator and the Seatline clock that moves with it."""

    url: str
    http: httpx.Client
    seatline_clock: clock.MovableClock

    def control(self, what: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(f"{self.url}/_sim/{what}", json=body or {})
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def set_now(self, instant: dt.datetime) -> None:
        """Both clocks to `instant` (the simulator runs its due jobs: cycle charges, month close)."""
        self.control("clock", {"now": instant.isoformat().replace("+00:00", "Z")})
        self.seatline_clock.set(instant)

    def advance(self, delta: dt.timedelta) -> None:
        self.set_now(clock.now() + delta)

    def state(self) -> dict[str, Any]:
        response = self.http.get(f"{self.url}/_sim/state")
        assert response.status_code == 200, response.text
        return dict(response.json())


@contextmanager
def running_simulator(start: dt.datetime = START) -> Iterator[Sim]:
    from seatline.simulators.partner_center.server import PartnerCenterSimulator

    server = PartnerCenterSimulator(state_path=None, host="127.0.0.1", port=0, start_time=start).start()
    http = httpx.Client(timeout=10)
    moving = clock.MovableClock(start)
    try:
        with clock.process_clock(moving):
            yield Sim(server.url, http, moving)
    finally:
        http.close()
        server.stop()


def partner_center(url: str, **settings: Any) -> Provider:
    values: dict[str, Any] = {
        "base_url": url,
        "authority": url,
        "auth": "client_credentials",
        "tenant_id": "5d6f1e3a-0000-4c1b-9a8e-5ea71111e000",
        "client_id": "seatline-tests",
        "client_secret_env": SECRET_ENV,
        "max_attempts": 2,
        "max_retry_sleep": 1,
        "order_poll_interval": 0.1,
        "order_max_wait": 2,
        "patch_poll_interval": 0.1,
        "patch_max_wait": 2,
    }
    values.update(settings)
    return Provider.objects.create(
        name="Microsoft Partner Center", type="automatic", connector="partner_center", settings=values
    )


def customer_account(name: str = "Fabrikam Inc", domain: str = "fabrikam.example") -> tuple[Account, Contact]:
    account = Account.objects.create(
        name=name,
        country="US",
        region="WA",
        city="Redmond",
        postal_code="98052",
        address_line1="1 Main St",
        currency="USD",
        email_domain=domain,
    )
    contact = Contact.objects.create(
        account=account,
        first_name="Ada",
        last_name="Lee",
        email=f"ada@{domain}",
        phone="4255550100",
        is_primary=True,
    )
    return account, contact


def basic_product(provider: Provider | None = None) -> Product:
    return Product.objects.create(
        name="Microsoft 365 Business Basic", part_number=BASIC_PART, default_provider=provider
    )


def monthly_contract(account: Account, start: dt.date | None = None) -> BillingContract:
    return BillingContract.objects.create(
        name=f"{account.name} - CSP - Monthly",
        account=account,
        frequency="monthly",
        policy="advance",
        start_date=start or START.date(),
        currency="USD",
    )


PRICE = Decimal("6.00")
