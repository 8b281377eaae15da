# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bounds on the dates people type: never before `EARLIEST_DATE` or after `LATEST_DATE`, and in
the back office within a window of years around today (the tenant's configuration hands its
`date_window_years` in from `ConfigurationConfig.ready`). No Django import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from seatline import clock
from seatline.errors import SeatlineError

EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)
DEFAULT_WINDOW_YEARS = 10

_window_years: Callable[[], int] = lambda: DEFAULT_WINDOW_YEARS  # noqa: E731


def set_date_window_provider(provider: Callable[[], int]) -> None:
    """Where the window's length in years comes from (the configuration app sets it)."""
    global _window_years
    _window_years = provider


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date a person may type today."""
    today = today or clock.today()
    years = _window_years()
    return max(EARLIEST_DATE, _shift_years(today, -years)), min(LATEST_DATE, _shift_years(today, years))


def check_date(
    value: dt.date,
    *,
    field: str | None,
    what: str = "the date",
    code: str = "invalid_date",
    window: bool = False,
    not_before: tuple[dt.date, str] | None = None,
    not_after: tuple[dt.date, str] | None = None,
) -> dt.date:
    """`value` when it lies within the sane bounds (and today's window with `window`) and after
    `not_before` / before `not_after` ((date, what that date is)); else a SeatlineError saying why."""
    first, last = date_window() if window else (EARLIEST_DATE, LATEST_DATE)
    if not first <= value <= last:
        reason = f"within {_window_years()} years of today" if window else "in this century"
        raise SeatlineError(
            code,
            f"{what} {value.isoformat()} is out of range: use a date from {first.isoformat()} to "
            f"{last.isoformat()} ({reason})",
            field=field,
        )
    if not_before is not None and value < not_before[0]:
        raise SeatlineError(
            code,
            f"{what} {value.isoformat()} is before {not_before[1]} ({not_before[0].isoformat()})",
            field=field,
        )
    if not_after is not None and value > not_after[0]:
        raise SeatlineError(
            code,
            f"{what} {value.isoformat()} is after {not_after[1]} ({not_after[0].isoformat()})",
            field=field,
        )
    return value
