# SPDX-License-Identifier: AGPL-3.0-or-later
"""Exact money arithmetic (docs/billing.md section 4).

Amounts are computed as `fractions.Fraction` and rounded once per line, ROUND_HALF_UP (away from
zero for negative amounts), to the currency's minor units taken from Babel.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from babel.numbers import get_currency_precision

Number = Fraction | Decimal | int

_FOUR_PLACES = Decimal("0.0001")


@lru_cache(maxsize=256)
def minor_units(currency: str) -> int:
    """Number of decimal places of `currency` (USD 2, JPY 0, KWD 3), from Babel."""
    return int(get_currency_precision(currency.upper()))


def to_fraction(amount: Number) -> Fraction:
    """The exact rational value of `amount` (a Decimal converts exactly)."""
    if isinstance(amount, Fraction):
        return amount
    if isinstance(amount, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(amount, int):
        return Fraction(amount)
    if isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValueError(f"not a finite amount: {amount}")
        return Fraction(amount)
    raise TypeError(f"unsupported amount type: {type(amount).__name__}")


def quantize(amount: Number, currency: str) -> Decimal:
    """Round `amount` once, ROUND_HALF_UP, to the minor units of `currency`."""
    scaled = to_fraction(amount) * 10 ** minor_units(currency)
    num, den = abs(scaled.numerator), scaled.denominator
    units = (2 * num + den) // (2 * den)  # floor(|x| + 1/2): half away from zero
    if scaled < 0:
        units = -units
    return Decimal(units).scaleb(-minor_units(currency))


def unit_price4(price: Decimal) -> Decimal:
    """A sales-unit price shown with 4 decimals (prices keep up to 4 decimals)."""
    return price.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def percent_of(amount: Number, percent: Number) -> Fraction:
    """`amount * percent / 100`, exactly."""
    if not percent:
        return Fraction(0)
    return to_fraction(amount) * to_fraction(percent) / 100


def money_text(amount: Decimal, currency: str) -> str:
    """`amount` as text for the API and webhooks: the currency's minor units ("12.50", "1000" for
    JPY), more decimals only where the amount has them (a unit price of 0.1234)."""
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    if amount == 0:
        amount = abs(amount)  # no "-0.00"
    exponent = int(amount.normalize().as_tuple().exponent)
    places = max(minor_units(currency), -exponent)
    return format(amount, f".{places}f")


def usage_amount(cost: Number, markup_percent: Number) -> Fraction:
    """What the customer is billed for usage that cost `cost`: cost * (1 + markup / 100), exactly
    (docs/billing.md 9). The one place of this formula: the invoice line rounds it once with
    `quantize`; consumption thresholds add it up unrounded."""
    return to_fraction(cost) * (1 + percent_of(1, markup_percent))
