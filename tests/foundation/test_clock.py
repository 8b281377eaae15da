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


@pytest.mark.django_db
def test_the_tenant_time_zone_is_an_error_when_the_configuration_cannot_be_read() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE configuration_configuration")  # rolled back with the test
    with pytest.raises(clock.TimeZoneUnavailable, match="seatline migrate"):
        clock.today()
    assert clock.today("Europe/Paris") is not None  # an explicit zone needs no configuration


def test_the_tenant_time_zone_is_an_error_without_database_access() -> None:
    with pytest.raises(clock.TimeZoneUnavailable, match="cannot be read from the Configuration table"):
        clock.today()


def test_without_a_time_zone_provider_the_clock_is_utc() -> None:
    from seatline.configuration.tenant import tenant_time_zone

    clock.set_time_zone_provider(None)
    try:
        with clock.frozen(INSTANT):
            assert clock.default_time_zone() == "UTC"
    finally:
        clock.set_time_zone_provider(tenant_time_zone)
