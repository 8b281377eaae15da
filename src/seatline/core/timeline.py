# SPDX-License-Identifier: AGPL-3.0-or-later
"""The quantity timeline of a subscription, derived from its license change logs (section 6).

The timeline is a plain sum: the quantity in force on a day is the sum of the deltas of the
LCLs effective on or before that day, its price the price of the latest such LCL (ordered by
`(effective, id)`).

Effective dates, as the services store them:

- create / increase / decrease / price: `effective` = the day the change applies (`d`);
- deactivation on `d`: the subscription is billable through `d`, so its LCL is stored with
  `effective = d + 1` (delta = -quantity). That keeps the timeline a plain sum;
- activation on `r`: `effective = r` (delta = +the quantity it had before deactivation); an
  activation on the very day of the deactivation is stored `effective = d + 1` as well (after
  the deactivation LCL, by id), so the quantity never doubles on `d`.

The refund decision of a reduction is taken when the change is made (`Change.refund`,
see `rules.refund_applies`); a change's lines follow its own decision (`change_record`).
`State.refund` records the reduction "governing" a day (the latest change with a non-zero delta
effective on or before it; price-only changes do not alter it): only the upgrade of databases
whose changes were recorded before change lines were stored still decides credits by it.

With `prorate_unit = months` the timeline is snapped to anchored months (section 5): the
quantity billed for an anchored month is the largest quantity in force on any of its days
(a start or increase counts from the month's first day, an end or decrease from the next
month's first day), its price is the price in force on its first day (the first price set in
the month when none was in force yet: a price change applies from the next month) and the
refund decision is the one governing its last day.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from seatline.core.periods import ONE_DAY, add_months, anchored_month, month_index
from seatline.core.types import Change, ContractTerms, SubscriptionSnapshot

REDUCTION_KINDS = frozenset({"decrease", "deactivate"})


class State(NamedTuple):
    """What is in force on a day: quantity, sales-unit price, whether a reduction is refunded."""

    quantity: int
    price: Decimal | None
    refund: bool


ZERO_STATE = State(0, None, False)

# A step function: sorted (date, value) pairs; the value holds from its date to the next date.
Steps = list[tuple[dt.date, Any]]


def ordered_changes(sub: SubscriptionSnapshot) -> list[Change]:
    return sorted(sub.changes, key=lambda change: (change.effective, change.id))


def quantity_on(sub: SubscriptionSnapshot, day: dt.date) -> int:
    """The quantity in force on `day`: the sum of the deltas of LCLs effective on or before it."""
    return sum(change.delta for change in sub.changes if change.effective <= day)


def price_on(sub: SubscriptionSnapshot, day: dt.date) -> Decimal:
    """The sales-unit price of the latest LCL effective on or before `day` (0 before the first)."""
    price = Decimal("0")
    for change in ordered_changes(sub):
        if change.effective > day:
            break
        price = change.price
    return price


def raw_steps(sub: SubscriptionSnapshot) -> list[tuple[dt.date, State]]:
    """The day-by-day timeline as a step function of `State`."""
    steps: list[tuple[dt.date, State]] = []
    quantity, price, refund = 0, None, False
    changes = ordered_changes(sub)
    for i, change in enumerate(changes):
        quantity += change.delta
        price = change.price
        if change.delta != 0:
            refund = change.kind in REDUCTION_KINDS and change.refund
        if i + 1 < len(changes) and changes[i + 1].effective == change.effective:
            continue
        state = State(quantity, price, refund)
        if not steps or steps[-1][1] != state:
            steps.append((change.effective, state))
    return steps


def value_at(steps: Steps, dates: Sequence[dt.date], day: dt.date, default: Any) -> Any:
    i = bisect_right(dates, day) - 1
    return steps[i][1] if i >= 0 else default


def snap_to_months(steps: list[tuple[dt.date, State]], anchor: dt.date) -> list[tuple[dt.date, State]]:
    """The `prorate_unit = months` timeline: constant over each anchored month (see module doc)."""
    if not steps:
        return steps
    dates = [d for d, _ in steps]
    inner: set[int] = set()
    for d in dates:
        k = month_index(anchor, d)
        if add_months(anchor, k) != d:
            inner.add(k)
    if not inner:
        return steps
    adjusted: dict[int, State] = {}
    for k in inner:
        start, end = anchored_month(anchor, k)
        i = bisect_right(dates, start) - 1
        states = [steps[i][1] if i >= 0 else ZERO_STATE]
        j = i + 1
        while j < len(steps) and dates[j] <= end:
            states.append(steps[j][1])
            j += 1
        price = next((s.price for s in states if s.price is not None), None)
        adjusted[k] = State(max(s.quantity for s in states), price, states[-1].refund)
    candidates: set[dt.date] = set()
    for d in dates:
        k = month_index(anchor, d)
        if k in adjusted:
            candidates.add(add_months(anchor, k))
            candidates.add(add_months(anchor, k + 1))
        else:
            candidates.add(d)
    out: list[tuple[dt.date, State]] = []
    for d in sorted(candidates):
        k = month_index(anchor, d)
        state = adjusted[k] if k in adjusted else value_at(steps, dates, d, ZERO_STATE)
        if not out or out[-1][1] != state:
            out.append((d, state))
    return out


def billing_steps(
    sub: SubscriptionSnapshot, *, prorate_unit: str, anchor: dt.date
) -> list[tuple[dt.date, State]]:
    """The timeline the billing uses: day by day, or snapped to anchored months."""
    steps = raw_steps(sub)
    return snap_to_months(steps, anchor) if prorate_unit == "months" else steps


class StepFunction:
    """A step function with a default value before its first step."""

    __slots__ = ("dates", "default", "steps")

    def __init__(self, steps: Steps, default: Any) -> None:
        self.steps = steps
        self.dates = [d for d, _ in steps]
        self.default = default

    def at(self, day: dt.date) -> Any:
        return value_at(self.steps, self.dates, day, self.default)


def pieces(
    a: dt.date, b: dt.date, functions: Sequence[StepFunction]
) -> Iterator[tuple[dt.date, dt.date, list[Any]]]:
    """Split [a, b] into maximal pieces on which every step function is constant."""
    if b < a:
        return
    cuts: set[dt.date] = set()
    for function in functions:
        lo = bisect_right(function.dates, a)
        hi = bisect_right(function.dates, b)
        cuts.update(function.dates[lo:hi])
    bounds = [a, *sorted(cuts), b + ONE_DAY]
    indexes = [bisect_right(f.dates, a) - 1 for f in functions]
    for n in range(len(bounds) - 1):
        start = bounds[n]
        values = []
        for m, function in enumerate(functions):
            i = indexes[m]
            dates = function.dates
            while i + 1 < len(dates) and dates[i + 1] <= start:
                i += 1
            indexes[m] = i
            values.append(function.steps[i][1] if i >= 0 else function.default)
        yield start, bounds[n + 1] - ONE_DAY, values


def first_affected_day(terms: ContractTerms, effective: dt.date) -> dt.date:
    """The first day whose billing a change effective `effective` can alter: that day itself, or
    with `prorate_unit = months` the first day of its anchored month (the snapped quantity of a
    month is its largest one, so an increase counts from the month's first day; a decrease or a
    price change alters only the next months, which also lie after this day)."""
    if terms.prorate_unit != "months":
        return effective
    return add_months(terms.start, month_index(terms.start, effective))


def billing_timeline(terms: ContractTerms, sub: SubscriptionSnapshot) -> StepFunction:
    """The step function of `State` the contract bills `sub` by (module doc)."""
    return StepFunction(billing_steps(sub, prorate_unit=terms.prorate_unit, anchor=terms.start), ZERO_STATE)
