# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from seatline import clock
from tests.jobs import handlers

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clean_runs() -> Iterator[None]:
    handlers.RUNS.clear()
    yield
    handlers.RUNS.clear()


@pytest.fixture
def moving_clock() -> Iterator[clock.MovableClock]:
    """A process-wide clock starting at T0 that the test moves."""
    movable = clock.MovableClock(T0)
    with clock.process_clock(movable):
        yield movable
