# SPDX-License-Identifier: AGPL-3.0-or-later
"""Calendar helpers (docs/billing.md sections 1 and 2): inclusive periods, anchored months."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=65536)
def add_months(d: dt.date, n: int) -> dt.date:
    """The same day-of-month `n` months later (or earlier), clamped to the month's last day.

    Always call it from the anchor (`add_months(S, k)`), never repeatedly.
    """
    total = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(total, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def days_inclusive(a: dt.date, b: dt.date) -> int:
    """`days([a, b]) = b - a + 1` (0 when b < a)."""
    return max((b - a).days + 1, 0)


def month_index(anchor: dt.date, d: dt.date) -> int:
    """The k of the anchored month `[add_months(anchor, k), add_months(anchor, k+1) - 1]` holding d."""
    k = (d.year - anchor.year) * 12 + (d.month - anchor.month)
    if add_months(anchor, k) > d:
        k -= 1
    return k


def anchored_month(anchor: dt.date, k: int) -> tuple[dt.date, dt.date]:
    """Anchored month k: `[add_months(anchor, k), add_months(anchor, k + 1) - 1 day]`."""
    return add_months(anchor, k), add_months(anchor, k + 1) - ONE_DAY


def overlap(a: dt.date, b: dt.date, c: dt.date, d: dt.date) -> tuple[dt.date, dt.date] | None:
    """The intersection of [a, b] and [c, d], or None."""
    start, end = max(a, c), min(b, d)
    return (start, end) if start <= end else None
