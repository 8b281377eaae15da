# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures of the payment tests: an issued invoice of 360.00 USD."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from tests import billing_factories as factories

from seatline import clock
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import generate_regular_invoice


@pytest.fixture
def today() -> Iterator[dt.date]:
    day = dt.date(2018, 1, 20)
    with clock.frozen(day):
        yield day


@pytest.fixture
def invoice(db: None, today: dt.date) -> Invoice:
    contract = factories.contract()
    factories.subscription(contract)
    return generate_regular_invoice(
        contract=contract, cycle_start=dt.date(2018, 1, 1), run_date=dt.date(2018, 1, 2)
    )
