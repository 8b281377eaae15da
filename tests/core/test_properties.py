# SPDX-License-Identifier: AGPL-3.0-or-later
"""Property tests of the billing core (hypothesis; modest settings, see the suite budget)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.core import (
    contract_cycles,
    cycle_starting,
    months_fraction,
    quantity_on,
    quantize,
    refund_applies,
)
from seatline.core.changes import billed_steps
from seatline.core.proration import recurring_amount
from seatline.core.timeline import billing_timeline
from seatline.core.types import BillingSettings, Change, CoreError, SubscriptionSnapshot
from tests.core.factories import D, Driver, Known, line_key, terms

FAST = settings(max_examples=100, deadline=None)
FREQUENCIES = ["monthly", "quarterly", "annual", "triennial"]
dates = st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31))


@FAST
@given(
    start=dates,
    frequency=st.sampled_from(FREQUENCIES),
    k=st.integers(0, 5),
    cuts=st.lists(st.integers(1, 1200), max_size=6),
    quantity=st.integers(1, 500),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.9999"), places=4),
    unit=st.sampled_from([1, 3, 12, 36]),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
)
def test_prorated_segments_sum_to_the_full_cycle(
    start: dt.date,
    frequency: str,
    k: int,
    cuts: list[int],
    quantity: int,
    price: Decimal,
    unit: int,
    currency: str,
) -> None:
    t = terms(frequency=frequency, start=start, currency=currency)
    cycle = contract_cycles(t, through=dt.date(2060, 1, 1))[k]
    length = (cycle.end - cycle.start).days + 1
    points = sorted({c % length for c in cuts if c % length})
    bounds = [0, *points, length]
    segments = [
        (cycle.start + dt.timedelta(days=a), cycle.start + dt.timedelta(days=b - 1))
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    fractions = [months_fraction(t, cycle, a, b) for a, b in segments]
    assert sum(fractions, Fraction(0)) == t.period_months
    total = sum(recurring_amount(quantity, price, unit, f, currency) for f in fractions)
    full = recurring_amount(quantity, price, unit, Fraction(t.period_months), currency)
    minor = Decimal(10) ** quantize(0, currency).as_tuple().exponent
    assert abs(total - full) <= len(segments) * minor, (total, full)


# -- arbitrary change sequences, fed back and re-proposed ------------------------------------------


@dataclass
class Model:
    """How the services turn user actions into LCLs (a deactivation is stored effective d + 1)."""

    quantity: int
    price: Decimal
    active: bool = True
    before_deactivation: int = 0
    last_deactivation: dt.date | None = None
    known: list[Known] = field(default_factory=list)

    def add(self, day: dt.date, effective: dt.date, delta: int, kind: str, refund: bool = False) -> None:
        change = Change(
            id=len(self.known) + 1,
            effective=effective,
            delta=delta,
            price=self.price,
            kind=kind,
            refund=refund,
        )
        self.known.append(Known(day, change))


actions = st.tuples(
    st.integers(0, 150),  # day offset from the contract start
    st.sampled_from(["quantity", "quantity", "quantity", "deactivate", "activate", "price"]),
    st.integers(1, 30),  # new quantity
    st.booleans(),  # refund chosen (deactivation)
    st.integers(-5, 40),  # backdating (days) of a quantity change
)


def _history(
    *,
    start: dt.date,
    policy: str,
    refunds: str,
    initial: int,
    sub_start: dt.date,
    events: list[tuple[int, str, int, bool, int]],
) -> Model:
    """The LCLs the services would record for `events` (a deactivation is stored effective d + 1)."""
    model = Model(quantity=initial, price=Decimal("12.00"))
    model.add(start, sub_start, initial, "create")
    for offset_days, action, new, chose_refund, backdate in sorted(events):
        day = start + dt.timedelta(days=offset_days)
        if day < sub_start:
            continue
        if action == "quantity" and model.active and new != model.quantity:
            effective = max(sub_start, day - dt.timedelta(days=max(backdate, 0)))
            # backdated, but never before a change already made (the timeline stays consistent)
            effective = max(effective, *(k.change.effective for k in model.known))
            delta = new - model.quantity
            refund = delta < 0 and refund_applies(
                policy=policy, process_refunds=refunds, generate_refunds=True, user_choice=None
            )
            model.add(day, effective, delta, "increase" if delta > 0 else "decrease", refund)
            model.quantity = new
        elif action == "deactivate" and model.active:
            refund = refund_applies(
                policy=policy, process_refunds=refunds, generate_refunds=True, user_choice=chose_refund
            )
            model.add(day, day + dt.timedelta(days=1), -model.quantity, "deactivate", refund)
            model.before_deactivation, model.quantity, model.active = model.quantity, 0, False
            model.last_deactivation = day
        elif (
            action == "activate"
            and not model.active
            and model.last_deactivation
            and day > model.last_deactivation
        ):
            model.add(day, day, model.before_deactivation, "activate")
            model.quantity, model.active = model.before_deactivation, True
        elif action == "price" and model.active:
            model.price = (model.price * Decimal("1.05")).quantize(Decimal("0.01"))
            model.add(day, day, 0, "price")
    return model


def _subscription_lines(driver: Driver) -> list[tuple[object, ...]]:
    """Every subscription line billed so far: on documents, and pending change lines."""
    lines = [line for document in driver.documents for line in document.lines if line.subscription_id]
    return line_key([*lines, *(item.line for item in driver.pending)])


histories = {
    "start": st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 12, 31)),
    "frequency": st.sampled_from(["monthly", "quarterly", "annual"]),
    "policy": st.sampled_from(["advance", "advance", "arrears"]),
    "unit": st.sampled_from(["days", "days", "months"]),
    "offset": st.integers(-5, 5),
    "refunds": st.sampled_from(["yes", "no", "use_global"]),
    "initial": st.integers(1, 30),
    "sub_offset": st.integers(0, 40),
    "events": st.lists(actions, min_size=4, max_size=12),
    "extra_days": st.lists(st.integers(0, 200), max_size=4),
    "unit_months": st.sampled_from([1, 1, 12]),
}


@settings(max_examples=150, deadline=None)
@given(**histories, daily=st.booleans(), change_log_days=st.sets(st.integers(0, 210)))
def test_change_histories_cost_the_same_whatever_the_change_log_days(
    start: dt.date,
    frequency: str,
    policy: str,
    unit: str,
    offset: int,
    refunds: str,
    initial: int,
    sub_offset: int,
    events: list[tuple[int, str, int, bool, int]],
    extra_days: list[int],
    unit_months: int,
    daily: bool,
    change_log_days: set[int],
) -> None:
    """Billing-rules 6: a random history of changes, run day by day (`daily`, else on a few days
    with catch-ups) with change-log invoices never, every run day or on random days, bills the
    same multiset of subscription lines (on documents or still pending), and no seat-day twice."""
    t = terms(
        frequency=frequency,
        start=start,
        policy=policy,
        prorate_unit=unit,
        invoice_offset_days=offset,
        process_refunds=refunds,
        change_log_invoices="weekly",
    )
    settings_ = BillingSettings(generate_refunds=True)
    sub_start = start + dt.timedelta(days=sub_offset)
    model = _history(
        start=start, policy=policy, refunds=refunds, initial=initial, sub_start=sub_start, events=events
    )
    base = SubscriptionSnapshot(
        id=1, kind="license", description="Seats", unit_months=unit_months, start=sub_start, changes=()
    )
    # every day when `daily` (the nightly run), else only some days (late runs catch up)
    horizon = 210
    run_days = sorted(
        {start + dt.timedelta(days=d) for d in range(horizon + 1)}
        if daily
        else {k.known_on for k in model.known}
        | {start + dt.timedelta(days=d) for d in extra_days}
        | {start + dt.timedelta(days=horizon)}
    )

    def run(change_log: Callable[[int, dt.date], bool]) -> Driver:
        driver = Driver(t, [(base, model.known)], settings=settings_)
        for n, day in enumerate(run_days):
            invoiced_before = set(driver.invoiced)
            driver.run_day(day, change_log=False)
            if not change_log(n, day):
                continue
            try:
                proposal = driver.propose_change_log(day)
            except CoreError as error:
                assert error.code == "earlier_cycle_not_invoiced"
                continue
            if driver.invoiced != invoiced_before:  # a regular invoice took every pending line
                assert proposal.empty
            driver._record(proposal)
            assert driver.propose_change_log(day).empty  # a re-run of the same day bills nothing
        return driver

    never = run(lambda n, day: False)
    every_day = run(lambda n, day: True)
    some_days = run(lambda n, day: n in change_log_days)

    # what the history costs does not depend on when change-log invoices run
    lines = _subscription_lines(never)
    assert _subscription_lines(every_day) == lines
    assert _subscription_lines(some_days) == lines
    assert every_day.billed == never.billed

    # every change's lines are that one change's difference: after the last one, every invoiced
    # day is billed what is in force (at least; more only where a reduction was not refunded),
    # never more than was ever in force, and never negative
    driver = every_day
    final = driver.snapshots(run_days[-1])[0]
    assert quantity_on(final, D(2099, 1, 1)) == model.quantity
    assert sum(c.delta for c in final.changes) == model.quantity
    billed = billed_steps(driver.billed)
    timelines = [billing_timeline(t, driver.snapshots(day)[0]) for day in run_days]
    in_force = billing_timeline(t, final)
    for cycle_start in sorted(driver.invoiced):
        cycle = cycle_starting(t, cycle_start)
        assert cycle is not None
        day = cycle.start
        while day <= cycle.end:
            b = billed.at(day)
            ever = max(timeline.at(day).quantity for timeline in timelines)
            assert 0 <= b <= ever, (day, b, ever)
            assert b >= in_force.at(day).quantity, (day, b)
            day += dt.timedelta(days=1)
