# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscription lines: a cycle's own lines and the change lines of invoiced days (section 6).

Everything is derived from snapshots on every call (pure and stateless).

The billed record of a (subscription, day) is kept as price layers: each billed line covering
the day contributes `quantity` seats at its MUSP (`unit_price / unit_months`); a credit removes
seats, first from the most recent layers with its own price, then from the most recent ones.
`billed` lines must be given oldest first (document order, then the change lines not on a
document yet in the order they were computed).

A change's lines are computed once, when the change is recorded (`core.change_record`), for the
invoiced days on or after the first day it affects (`since`). For each such day where the
quantity now in force differs from the billed quantity (earlier change lines included):
- higher: the difference is charged (`proration`) at the price in force that day;
- lower, and the change being recorded is a refunded reduction (policy advance): the difference
  is credited (`credit`, negative) at the prices those seats were billed at, most recent layers
  first;
- lower otherwise: nothing (the customer keeps the seats already paid for).
Consecutive days of one cycle with the same difference and prices make one line.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from seatline.core.periods import ONE_DAY
from seatline.core.timeline import State, StepFunction, pieces
from seatline.core.types import CREDIT, PRORATION, RECURRING, BilledLine, ContractTerms, Cycle

ADVANCE = "advance"


class SubLine(NamedTuple):
    """A subscription line before amounts: `quantity` seats at `unit_price` over [start, end]."""

    type: str
    quantity: int
    unit_price: Decimal
    unit_months: int
    start: dt.date
    end: dt.date
    cycle: Cycle


Part = tuple[str, int, Decimal, int]  # (type, signed quantity, unit price, unit months)


def billed_steps(lines: Sequence[BilledLine], base: StepFunction | None = None) -> StepFunction:
    """The billed quantity per day (sum of the signed quantities of the lines covering it),
    optionally on top of an existing billed-quantity step function `base`."""
    events: dict[dt.date, int] = {}
    if base is not None:
        previous = 0
        for day, total in base.steps:
            events[day] = total - previous
            previous = total
    for line in lines:
        events[line.period_start] = events.get(line.period_start, 0) + line.quantity
        after = line.period_end + ONE_DAY
        events[after] = events.get(after, 0) - line.quantity
    steps: list[tuple[dt.date, int]] = []
    total = 0
    for day in sorted(events):
        total += events[day]
        if not steps or steps[-1][1] != total:
            steps.append((day, total))
    return StepFunction(steps, 0)


@dataclass
class Layer:
    """Seats billed for a day at one sales-unit price."""

    seats: int
    unit_price: Decimal
    unit_months: int


def layers_on(lines: Sequence[BilledLine], day: dt.date) -> list[Layer]:
    """The billed price layers of a day, oldest first."""
    layers: list[Layer] = []
    for line in lines:
        if not (line.period_start <= day <= line.period_end) or line.quantity == 0:
            continue
        if line.quantity > 0:
            layers.append(Layer(line.quantity, line.unit_price, line.unit_months))
            continue
        remaining = -line.quantity
        for same_price_first in (True, False):
            for layer in reversed(layers):
                if remaining == 0:
                    break
                if same_price_first and (layer.unit_price, layer.unit_months) != (
                    line.unit_price,
                    line.unit_months,
                ):
                    continue
                taken = min(remaining, layer.seats)
                layer.seats -= taken
                remaining -= taken
        layers = [layer for layer in layers if layer.seats > 0]
    return layers


def credit_parts(
    lines: Sequence[BilledLine], day: dt.date, seats: int, state: State, unit_months: int
) -> tuple[Part, ...]:
    """Credit `seats` seats of `day` at the prices they were billed at, most recent first (one
    part per price: seats of several layers with the same price make one part)."""
    taken_at: dict[tuple[Decimal, int], int] = {}
    for layer in reversed(layers_on(lines, day)):
        if seats == 0:
            break
        taken = min(seats, layer.seats)
        price = (layer.unit_price, layer.unit_months)
        taken_at[price] = taken_at.get(price, 0) + taken
        seats -= taken
    if seats:  # billed record without layers (should not happen): credit at the current price
        price = (state.price or Decimal("0"), unit_months)
        taken_at[price] = taken_at.get(price, 0) + seats
    return tuple((CREDIT, -taken, unit_price, months) for (unit_price, months), taken in taken_at.items())


@dataclass
class _Run:
    """Consecutive days of one cycle with the same quantity/price parts."""

    cycle: Cycle
    parts: tuple[Part, ...]
    start: dt.date
    end: dt.date


def _extend(runs: list[_Run], cycle: Cycle, parts: tuple[Part, ...], lo: dt.date, hi: dt.date) -> None:
    """Add the days lo..hi with `parts` to the last run when they continue it, else start a run."""
    last = runs[-1] if runs else None
    if last is not None and last.cycle == cycle and last.parts == parts and last.end + ONE_DAY == lo:
        last.end = hi
    else:
        runs.append(_Run(cycle, parts, lo, hi))


def cycle_lines(
    terms: ContractTerms, cycle: Cycle, timeline: StepFunction, unit_months: int
) -> list[SubLine]:
    """The lines of the cycle itself: one per segment of constant quantity and price."""
    runs: list[_Run] = []
    for start, end, (state,) in pieces(cycle.start, cycle.end, [timeline]):
        if state.quantity <= 0:
            continue
        parts: tuple[Part, ...] = ((RECURRING, state.quantity, state.price, unit_months),)
        if runs and runs[-1].parts == parts and runs[-1].end + ONE_DAY == start:
            runs[-1].end = end
        else:
            runs.append(_Run(cycle, parts, start, end))
    out: list[SubLine] = []
    for run in runs:
        whole = run.start == cycle.start and run.end == cycle.full_end
        _, quantity, price, months = run.parts[0]
        out.append(
            SubLine(RECURRING if whole else PRORATION, quantity, price, months, run.start, run.end, cycle)
        )
    return out


def cycles_overlapping(
    cycles: Sequence[Cycle], starts: Sequence[dt.date], a: dt.date, b: dt.date
) -> list[Cycle]:
    """The cycles (sorted, disjoint; `starts` their starts) overlapping [a, b]."""
    i = max(bisect_right(starts, a) - 1, 0)
    out: list[Cycle] = []
    while i < len(cycles) and cycles[i].start <= b:
        if cycles[i].end >= a:
            out.append(cycles[i])
        i += 1
    return out


def change_lines(
    terms: ContractTerms,
    invoiced: Sequence[Cycle],
    timeline: StepFunction,
    billed: Sequence[BilledLine],
    unit_months: int,
    billed_fn: StepFunction | None = None,
    *,
    since: dt.date | None = None,
    refund: bool | None = None,
) -> list[SubLine]:
    """The lines of the invoiced days of one subscription where `timeline` differs from the
    billed record (see module doc).

    `since`: only days on or after it (None: every invoiced day). `refund`: whether a quantity
    below the billed one is credited (the change being recorded is a refunded reduction); None
    lets the reduction governing each day decide (`State.refund`: how the differences of
    changes recorded before change lines were fixed at recording are carried over, see
    `change_record.pending_at_upgrade`). Credits need the advance policy either way.

    The sweep runs over the pieces where both the timeline and the billed quantity are
    constant; only pieces with a difference are then split by (invoiced) cycle.
    """
    if not invoiced or not (timeline.dates or billed):
        return []
    cycles = sorted(invoiced, key=lambda c: c.start)
    starts = [c.start for c in cycles]
    if billed_fn is None:
        billed_fn = billed_steps(billed)
    firsts = timeline.dates[:1] + billed_fn.dates[:1]
    a = max(cycles[0].start, min(firsts))
    if since is not None:
        a = max(a, since)
    b = cycles[-1].end
    advance = terms.policy == ADVANCE
    # the price layers of a day may change where the billed total does not: credits are split
    # at every boundary of a billed line as well
    bounds: list[dt.date] = sorted(
        {d for line in billed for d in (line.period_start, line.period_end + ONE_DAY)}
    )
    runs: list[_Run] = []
    for start, end, (state, quantity) in pieces(a, b, [timeline, billed_fn]):
        difference = state.quantity - quantity
        credited = advance and (state.refund if refund is None else refund)
        if difference == 0 or (difference < 0 and not credited):
            continue
        for cycle in cycles_overlapping(cycles, starts, start, end):
            lo, hi = max(start, cycle.start), min(end, cycle.end)
            if difference > 0:
                parts: tuple[Part, ...] = ((PRORATION, difference, state.price or Decimal("0"), unit_months),)
                _extend(runs, cycle, parts, lo, hi)
                continue
            i = bisect_right(bounds, lo)
            while lo <= hi:
                piece_end = min(hi, bounds[i] - ONE_DAY) if i < len(bounds) else hi
                _extend(runs, cycle, credit_parts(billed, lo, -difference, state, unit_months), lo, piece_end)
                lo, i = piece_end + ONE_DAY, i + 1
    return [
        SubLine(type_, seats, price, months, run.start, run.end, run.cycle)
        for run in runs
        for type_, seats, price, months in run.parts
    ]
