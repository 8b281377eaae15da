# SPDX-License-Identifier: AGPL-3.0-or-later
"""The simulator's own clock and the date/number formats it speaks.

The simulator never reads the wall clock after start-up: "now" only moves through
`POST /_sim/clock`, which also runs the time-driven jobs (see `scheduler.py`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

UTC = dt.UTC

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> relativedelta:
    """An ISO 8601 duration (`P3D`, `PT5H`, `P1M`, `P1DT2H30M`) as a relativedelta."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if not match or text.strip().upper() in {"P", "PT"}:
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = {key: int(value) for key, value in match.groupdict().items() if value}
    return relativedelta(**parts)


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; a naive value is taken as UTC."""
    if not isinstance(text, str) or not text:
        raise ValueError("expected an ISO 8601 date-time string")
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def fmt_instant(value: dt.datetime) -> str:
    """`2026-01-01T10:00:00Z` (microseconds kept only when present)."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def fmt_day(value: dt.date) -> str:
    """A calendar date in the API's date-time form: `2026-01-31T00:00:00Z`."""
    return f"{value.isoformat()}T00:00:00Z"


def parse_day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=UTC)


def first_of_next_month(value: dt.datetime) -> dt.datetime:
    day = value.date().replace(day=1) + relativedelta(months=1)
    return midnight(day)


def plain(value: Decimal) -> str:
    """A Decimal as plain decimal text, never with an exponent (`9.408`, `60.00`)."""
    return format(value, "f")


def trimmed(value: Decimal, places: int = 6, keep: int = 2) -> Decimal:
    """Rounded half-up to `places` decimals, then trailing zeros dropped down to `keep` decimals."""
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    while -value.as_tuple().exponent > keep and value == value.quantize(
        Decimal(1).scaleb(value.as_tuple().exponent + 1)
    ):
        value = value.quantize(Decimal(1).scaleb(value.as_tuple().exponent + 1))
    return value


class SimClock:
    """A frozen clock that only moves forward when told to."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulator clock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, value: dt.datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("the simulator clock needs an aware datetime")
        self._now = value.astimezone(UTC)
