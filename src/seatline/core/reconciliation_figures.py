# SPDX-License-Identifier: AGPL-3.0-or-later
"""The figures of the pure reconciliation (`seatline.core.reconciliation`): exact shares and sums
(a Decimal while every term is one, else a Fraction), rounding once per figure, margin percent,
and the price-change-within-term flag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from seatline.core.money import minor_units, quantize, to_fraction
from seatline.core.reconciliation_types import FULL_CYCLE_CHARGES, PreviousPrice, ProviderLine, Subscription


def price_changes(
    lines: Sequence[ProviderLine],
    subs: Mapping[int, Subscription],
    sub_ids: Sequence[int],
    previous: Mapping[int, Sequence[PreviousPrice]],
) -> list[int]:
    """Full-cycle lines (not `renew`: a renewal starts a new term) whose effective unit price
    differs from an earlier full-cycle line of the same subscription in the same term."""
    earlier_lines = [item for sub_id in sub_ids for item in previous.get(sub_id, ())]
    if not earlier_lines:
        return []
    changed: list[int] = []
    for line in lines:
        charge = line.charge_type.lower()
        if charge == "renew" or charge not in FULL_CYCLE_CHARGES or line.charge_start is None:
            continue
        for earlier in earlier_lines:
            if earlier.charge_start >= line.charge_start:
                continue
            term = subs[earlier.subscription_id].term_start if earlier.subscription_id in subs else None
            if term is not None and earlier.charge_start < term:
                continue
            if earlier.effective_unit_price != line.effective_unit_price:
                changed.append(line.id)
                break
    return changed


Exact = Decimal | Fraction  # a Decimal while every term is one (fast), else an exact Fraction


def share(amount: Decimal, inside: int, length: int) -> Exact:
    """`amount x inside / length`, exactly: the Decimal itself for a whole period."""
    return amount if inside == length else to_fraction(amount) * inside / length


def plus(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a + b  # exact: reconcile() runs in a wide decimal context
    return to_fraction(a) + to_fraction(b)


def money(value: Exact, currency: str) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)
    return quantize(value, currency)


def percent(margin: Exact, revenue: Exact) -> Decimal | None:
    """`margin / revenue x 100` rounded HALF_UP (away from zero) to 2 decimals, exactly."""
    if revenue == 0:
        return None
    m_num, m_den = margin.as_integer_ratio()
    r_num, r_den = revenue.as_integer_ratio()
    num = m_num * r_den * 10000
    den = m_den * r_num
    units = (2 * abs(num) + abs(den)) // (2 * abs(den))
    return Decimal(-units if (num < 0) != (den < 0) else units).scaleb(-2)
