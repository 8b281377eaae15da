# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one clock for "now".

Every "now" and "today" in Seatline comes from here, so tests, previews and `seatline simulate`
can move time. An override is kept in a context variable (per thread / task) with a process-wide
fallback, so a simulation can move time for everything it runs in its own process.

This module imports no Django and no app: it sits below every app. The tenant's time zone (where
billing dates are dates) is read by a provider the configuration app installs in its
`AppConfig.ready()` (`set_time_zone_provider`); without one (a pure use, Django not set up) the
zone is UTC. A provider that cannot read the zone raises `TimeZoneUnavailable`: the clock never
guesses another zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

UTC = dt.UTC
NowFunc = Callable[[], dt.datetime]
TimeZoneProvider = Callable[[], str]


class TimeZoneUnavailable(RuntimeError):
    """The tenant's time zone cannot be read (e.g. the database is not migrated yet)."""


_context_override: ContextVar[NowFunc | None] = ContextVar("seatline_clock", default=None)
_process_override: NowFunc | None = None
_time_zone_provider: TimeZoneProvider | None = None


def _system_now() -> dt.datetime:
    return dt.datetime.now(tz=UTC)


def now() -> dt.datetime:
    """The current instant, an aware UTC datetime."""
    func = _context_override.get() or _process_override or _system_now
    value = func()
    if value.tzinfo is None:
        raise ValueError("the clock returned a naive datetime")
    return value.astimezone(UTC)


def set_time_zone_provider(provider: TimeZoneProvider | None) -> None:
    """Install (or with None remove) the function that answers the tenant's time zone."""
    global _time_zone_provider
    _time_zone_provider = provider


def default_time_zone() -> str:
    """The tenant's time zone: the installed provider's answer (Configuration.time_zone), else UTC
    when no provider is installed (the clock used without Django). Raises `TimeZoneUnavailable`
    when the provider cannot read it."""
    provider = _time_zone_provider
    return provider() if provider is not None else "UTC"


def today(time_zone: str | None = None) -> dt.date:
    """Today's date in the tenant's time zone (the billing date)."""
    return now().astimezone(ZoneInfo(time_zone or default_time_zone())).date()


def start_of_day(day: dt.date, time_zone: str | None = None) -> dt.datetime:
    """The first instant of a billing date, as aware UTC."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(time_zone or default_time_zone()))
    return local.astimezone(UTC)


def _as_instant(at: dt.datetime | dt.date, time_zone: str | None) -> dt.datetime:
    if isinstance(at, dt.datetime):
        if at.tzinfo is None:
            raise ValueError("pass an aware datetime")
        return at
    # A date means noon of that day in the tenant's zone: safely inside the day.
    local = dt.datetime.combine(at, dt.time(12, 0), tzinfo=ZoneInfo(time_zone or default_time_zone()))
    return local.astimezone(UTC)


@contextmanager
def frozen(at: dt.datetime | dt.date, time_zone: str | None = None) -> Iterator[None]:
    """Freeze "now" for the current context."""
    instant = _as_instant(at, time_zone)
    token = _context_override.set(lambda: instant)
    try:
        yield
    finally:
        _context_override.reset(token)


class MovableClock:
    """A clock the owner moves explicitly (simulations, end-to-end tests)."""

    def __init__(self, start: dt.datetime | dt.date, time_zone: str | None = None) -> None:
        self._time_zone = time_zone
        self._now = _as_instant(start, time_zone)

    def __call__(self) -> dt.datetime:
        return self._now

    def set(self, at: dt.datetime | dt.date) -> None:
        self._now = _as_instant(at, self._time_zone)

    def advance(self, delta: dt.timedelta) -> None:
        self._now = self._now + delta


def set_process_clock(func: NowFunc | None) -> None:
    """Install (or with None remove) a process-wide clock override."""
    global _process_override
    _process_override = func


@contextmanager
def process_clock(func: NowFunc) -> Iterator[None]:
    previous = _process_override
    set_process_clock(func)
    try:
        yield
    finally:
        set_process_clock(previous)
