# SPDX-License-Identifier: AGPL-3.0-or-later
"""Months fractions and recurring amounts (docs/billing.md sections 4 and 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from seatline.core.money import quantize, to_fraction
from seatline.core.periods import add_months, days_inclusive, month_index
from seatline.core.types import ContractTerms, Cycle


@lru_cache(maxsize=4096)
def musp(unit_price: Decimal, unit_months: int) -> Fraction:
    """Monthly unit selling price: price / unit_months, exact."""
    return to_fraction(unit_price) / unit_months


def months_fraction(terms: ContractTerms, cycle: Cycle, a: dt.date, b: dt.date) -> Fraction:
    """The months fraction of the period [a, b] inside `cycle` (section 5).

    - the whole untruncated cycle: P exactly;
    - `prorate_unit = days`: sum over anchored months M overlapping [a, b] of overlap / days(M);
    - `prorate_unit = months`: the number of anchored months the period overlaps (a started
      month is a whole month, also where an end date truncates the cycle).
    """
    if b < a:
        raise ValueError(f"empty period {a}..{b}")
    if not (cycle.start <= a and b <= cycle.end):
        raise ValueError(f"period {a}..{b} is not inside cycle {cycle.start}..{cycle.end}")
    if a == cycle.start and b == cycle.full_end:
        return Fraction(terms.period_months)
    anchor = terms.start
    first, last = month_index(anchor, a), month_index(anchor, b)
    if terms.prorate_unit == "months":
        return Fraction(last - first + 1)
    total = Fraction(0)
    for k in range(first, last + 1):
        month_start = add_months(anchor, k)
        next_start = add_months(anchor, k + 1)
        length = (next_start - month_start).days
        lo = max(a, month_start)
        hi = min(b, next_start - dt.timedelta(days=1))
        total += Fraction(days_inclusive(lo, hi), length)
    return total


def recurring_amount(
    quantity: int, unit_price: Decimal, unit_months: int, fraction: Fraction, currency: str
) -> Decimal:
    """`q * MUSP * months_fraction`, rounded once."""
    return quantize(quantity * musp(unit_price, unit_months) * fraction, currency)
