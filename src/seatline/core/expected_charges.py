# SPDX-License-Identifier: AGPL-3.0-or-later
"""Expected-charge replay (pure; issue 12 item 6): the NCE rows Microsoft should have billed for a
subscription in a billing period, from Seatline's own change history, diffed against the rows it
did bill, so that each difference names the change behind it (or says that no change explains it).

Rows (reference-providers 3.6), for a monthly-billed subscription whose charge cycles are anchored
on its start day:

* every charge cycle starting in the window: `new` (the first) or `cycleCharge`, the quantity in
  force on that day, over the whole cycle;
* a change effective inside the window: a wipe of the old quantity and a recreate of the new one
  over the rest of its cycle (`addQuantity` for an increase, `removeQuantity` for a decrease); a
  deactivation: `cancelImmediate` of the old quantity;
* EUP = ROUNDDOWN(unit cost / cycle days x remaining days, 2) (the whole cost for a whole cycle);
  compared only when the change carries a cost.

Rows match on (charge type, charge start, signed quantity); `missing` rows were expected and not
billed (with the change that calls for them), `unexpected` rows were billed and no change explains
them, `price` rows matched but at another EUP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from seatline.core.periods import add_months, month_index
from seatline.core.reconciliation import ProviderLine

ONE_DAY = dt.timedelta(days=1)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ChangeEvent:
    id: int
    effective: dt.date
    kind: str  # create | increase | decrease | deactivate | activate | price
    quantity_after: int
    unit_cost: Decimal


@dataclass(frozen=True)
class ExpectedRow:
    charge_type: str
    start: dt.date
    end: dt.date
    quantity: int  # signed: a wipe is negative
    effective_unit_price: Decimal | None
    change_id: int | None


@dataclass(frozen=True)
class Difference:
    kind: str  # missing | unexpected | price
    charge_type: str
    start: dt.date
    quantity: int
    expected_unit_price: Decimal | None
    actual_unit_price: Decimal | None
    change_id: int | None
    line_id: int | None


def _cycle(anchor: dt.date, day: dt.date) -> tuple[dt.date, dt.date]:
    k = month_index(anchor, day)
    return add_months(anchor, k), add_months(anchor, k + 1) - ONE_DAY


def _eup(cost: Decimal, start: dt.date, cycle: tuple[dt.date, dt.date]) -> Decimal | None:
    if not cost:
        return None
    days = (cycle[1] - cycle[0]).days + 1
    remaining = (cycle[1] - start).days + 1
    if remaining == days:
        return cost
    return (cost / days * remaining).quantize(CENT, rounding=ROUND_DOWN)


def expected_rows(
    changes: Sequence[ChangeEvent], *, start: dt.date, window_start: dt.date, window_end: dt.date
) -> list[ExpectedRow]:
    ordered = sorted(changes, key=lambda c: (c.effective, c.id))
    rows: list[ExpectedRow] = []

    def state_before(day: dt.date) -> tuple[int, Decimal]:
        quantity, cost = 0, Decimal(0)
        for change in ordered:
            if change.effective < day:
                quantity, cost = change.quantity_after, change.unit_cost
        return quantity, cost

    day = max(window_start, start)
    k = month_index(start, day)
    cycle_start = add_months(start, k) if add_months(start, k) >= day else add_months(start, k + 1)
    while cycle_start <= window_end:
        quantity, cost = state_before(cycle_start + ONE_DAY)
        cycle = _cycle(start, cycle_start)
        if quantity > 0:
            kind = "new" if cycle_start == start else "cycleCharge"
            rows.append(ExpectedRow(kind, cycle_start, cycle[1], quantity, cost or None, None))
        cycle_start = cycle[1] + ONE_DAY
    for change in ordered:
        if not (window_start <= change.effective <= window_end) or change.effective == start:
            continue
        before, cost = state_before(change.effective)
        cycle = _cycle(start, change.effective)
        eup = _eup(change.unit_cost or cost, change.effective, cycle)
        if change.kind == "deactivate" and before:
            rows.append(ExpectedRow("cancelImmediate", change.effective, cycle[1], -before, eup, change.id))
        elif change.kind in ("increase", "decrease") and before != change.quantity_after:
            kind = "addQuantity" if change.kind == "increase" else "removeQuantity"
            rows.append(ExpectedRow(kind, change.effective, cycle[1], -before, eup, change.id))
            rows.append(ExpectedRow(kind, change.effective, cycle[1], change.quantity_after, eup, change.id))
    return rows


def _family(charge_type: str) -> str:
    """Whole-cycle charges compare alike (a subscription bought before Seatline knew it)."""
    lowered = charge_type.lower()
    return "cycle" if lowered in ("new", "renew", "cyclecharge", "purchase") else lowered


def diff(expected: Sequence[ExpectedRow], actual: Sequence[ProviderLine]) -> list[Difference]:
    remaining = list(actual)
    out: list[Difference] = []
    for row in expected:
        found = None
        for line in remaining:
            sign = -1 if line.subtotal < 0 else 1
            if (
                _family(line.charge_type) == _family(row.charge_type)
                and line.charge_start == row.start
                and sign * int(abs(line.billable_quantity)) == row.quantity
            ):
                found = line
                break
        if found is None:
            out.append(
                Difference(
                    "missing",
                    row.charge_type,
                    row.start,
                    row.quantity,
                    row.effective_unit_price,
                    None,
                    row.change_id,
                    None,
                )
            )
            continue
        remaining.remove(found)
        actual_eup = abs(found.effective_unit_price)
        if row.effective_unit_price is not None and actual_eup != row.effective_unit_price:
            out.append(
                Difference(
                    "price",
                    row.charge_type,
                    row.start,
                    row.quantity,
                    row.effective_unit_price,
                    actual_eup,
                    row.change_id,
                    found.id,
                )
            )
    for line in remaining:
        sign = -1 if line.subtotal < 0 else 1
        out.append(
            Difference(
                "unexpected",
                line.charge_type,
                line.charge_start or dt.date.min,
                sign * int(abs(line.billable_quantity)),
                None,
                abs(line.effective_unit_price),
                None,
                line.id,
            )
        )
    return out
