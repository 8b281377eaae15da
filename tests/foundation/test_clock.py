# SPDX-License-Identifier: AGPL-3.0-or-later
"""One injectable clock; billing dates are dates in the tenant's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from seatline import clock
from seatline.configuration.models import Configuration

INSTANT = dt.datetime(2024, 1, 1, 3, 0, tzinfo=dt.UTC)


def test_frozen_clock_moves_now_and_today() -> None:
    with clock.frozen(INSTANT):
        assert clock.now() == INSTANT
        assert clock.today("UTC") == dt.date(2024, 1, 1)
        assert clock.today("America/New_York") == dt.date(2023, 12, 31)


def test_movable_clock_for_a_whole_process() -> None:
    moving = clock.MovableClock(dt.date(2024, 5, 1), time_zone="UTC")
    with clock.process_clock(moving):
        assert clock.today("UTC") == dt.date(2024, 5, 1)
        moving.advance(dt.timedelta(days=30))
        assert clock.today("UTC") == dt.date(2024, 5, 31)
    assert clock.now().year >= 2026


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"), clock.frozen(dt.datetime(2024, 1, 1)):  # noqa: DTZ001
        pass


@pytest.mark.django_db
def test_today_follows_the_configured_tenant_time_zone() -> None:
    config = Configuration.get()
    assert config.time_zone == "UTC"  # the TIME_ZONE setting is the default
    with clock.frozen(INSTANT):
        assert clock.today() == dt.date(2024, 1, 1)
        config.time_zone = "America/New_York"
        config.save()
        assert clock.today() == dt.date(2023, 12, 31)
        assert clock.start_of_day(dt.date(2024, 1, 1)) == dt.datetime(2024, 1, 1, 5, 0, tzinfo=dt.UTC)
    config.time_zone = "UTC"
    config.save()
