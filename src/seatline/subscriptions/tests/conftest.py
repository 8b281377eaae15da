# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures of the subscription tests: a quarterly advance contract from 2018-01-01, "today" frozen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from tests import billing_factories as factories

from seatline import clock
from seatline.contracts.models import BillingContract
from seatline.subscriptions.models import Subscription


@pytest.fixture
def today() -> Iterator[dt.date]:
    day = dt.date(2018, 2, 10)
    with clock.frozen(day):
        yield day


@pytest.fixture
def contract(db: None) -> BillingContract:
    return factories.contract()


@pytest.fixture
def sub(contract: BillingContract, today: dt.date) -> Subscription:
    return factories.subscription(contract, start_date=dt.date(2018, 1, 15))
