# SPDX-License-Identifier: AGPL-3.0-or-later
"""A change's lines, fixed when the change is recorded (docs/billing.md 6).

Once a cycle is invoiced, Seatline knows the quantity billed for each of its days: the billed
record (the subscription lines of documents that are not void or credit notes, plus the change
lines already computed but not on a document yet). When a change is recorded (a scheduled
change: when it merges), `lines_for_change` compares, for every invoiced day the change can
affect (on or after its effective date; with `prorate_unit = months`, from the first day of its
anchored month, see `timeline.first_affected_day`), the quantity now in force with that record:

- above it: a `proration` line charges the difference at the price in force;
- below it and the change is a refunded reduction (policy advance): a `credit` line, negative,
  at the prices those seats were billed at (most recent layers first);
- below it otherwise: nothing; the customer keeps the seats already paid for.

One line per (invoiced cycle, run of consecutive days with the same difference and price),
rounded once with the contract discount. The lines are stored and never revised: a later change
adds lines of its own, computed against a record that includes these. So a line's quantity is
always one change's difference, never a sum over several changes, and what a history of changes
costs does not depend on when change-log or regular invoices are generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from seatline.core.changes import billed_steps, change_lines
from seatline.core.invariants import check_change_lines
from seatline.core.proposal import invoiced_cycles, subscription_line
from seatline.core.timeline import REDUCTION_KINDS, StepFunction, billing_timeline, first_affected_day, pieces
from seatline.core.types import (
    CREDIT,
    BilledLine,
    Change,
    ContractTerms,
    CoreError,
    Cycle,
    ProposedLine,
    SubscriptionSnapshot,
)


def _computable(terms: ContractTerms, subscription: SubscriptionSnapshot) -> bool:
    return terms.type == "recurring" and terms.frequency is not None and subscription.kind != "usage"


def _refuse_negative_quantities(
    invoiced: Sequence[Cycle], timeline: StepFunction, since: dt.date | None
) -> None:
    """`negative_quantity` when the timeline has a quantity below zero on an invoiced day from
    `since` on: a change effective before a change already recorded (a backdated quantity
    change or deactivation before a future-dated one) whose delta, counted from the current
    quantity, leaves the days in between below zero. Nothing can be billed for such days."""
    for cycle in invoiced:
        start = cycle.start if since is None else max(cycle.start, since)
        for a, b, (state,) in pieces(start, cycle.end, [timeline]):
            if state.quantity < 0:
                raise CoreError(
                    "negative_quantity",
                    f"the quantity in force would be {state.quantity} from {a.isoformat()} to {b.isoformat()}",
                )


def _lines(
    terms: ContractTerms,
    *,
    invoiced_starts: frozenset[dt.date],
    subscription: SubscriptionSnapshot,
    billed: Sequence[BilledLine],
    since: dt.date | None,
    refund: bool | None,
) -> tuple[ProposedLine, ...]:
    invoiced = invoiced_cycles(terms, invoiced_starts)
    if not invoiced or (since is not None and since > max(c.end for c in invoiced)):
        return ()
    timeline = billing_timeline(terms, subscription)
    _refuse_negative_quantities(invoiced, timeline, since)
    mine = [line for line in billed if line.subscription_id == subscription.id]
    billed_fn = billed_steps(mine)
    subs = change_lines(
        terms, invoiced, timeline, mine, subscription.unit_months, billed_fn, since=since, refund=refund
    )
    subs.sort(key=lambda line: (line.start, line.type != CREDIT, line.end))
    lines = tuple(subscription_line(terms, subscription, line) for line in subs)
    check_change_lines(
        terms,
        subscription,
        before=mine,
        lines=lines,
        invoiced=invoiced,
        since=since or min(c.start for c in invoiced),
        refund=refund,
        prepared=(timeline, billed_fn),
    )
    return lines


def lines_for_change(
    terms: ContractTerms,
    *,
    invoiced_starts: frozenset[dt.date],
    subscription: SubscriptionSnapshot,
    change: Change,
    billed: Sequence[BilledLine],
) -> tuple[ProposedLine, ...]:
    """The lines of `change`, just recorded (module doc).

    `subscription`: its snapshot after the change (`change` among its changes); `billed`: the
    billed record before the change (lines of other subscriptions are ignored), oldest first;
    `invoiced_starts`: the starts of the cycles that have their regular invoice. Raises
    `CoreError("negative_quantity")` when the change leaves a quantity below zero in force on
    an invoiced day it affects (see `_refuse_negative_quantities`).
    """
    if change not in subscription.changes:
        raise ValueError(f"change {change.id} is not one of subscription {subscription.id}'s changes")
    if not _computable(terms, subscription):
        return ()
    return _lines(
        terms,
        invoiced_starts=invoiced_starts,
        subscription=subscription,
        billed=billed,
        since=first_affected_day(terms, change.effective),
        refund=terms.policy == "advance" and change.kind in REDUCTION_KINDS and change.refund,
    )


def pending_at_upgrade(
    terms: ContractTerms,
    *,
    invoiced_starts: frozenset[dt.date],
    subscription: SubscriptionSnapshot,
    billed: Sequence[BilledLine],
) -> tuple[ProposedLine, ...]:
    """The unbilled differences of changes recorded before change lines were stored: what the
    next document would have billed under the former rule (every invoiced day, the quantity in
    force against the billed record, a reduction credited when the reduction governing the day
    is refunded). An upgrade stores them once as pending change lines; every later change
    follows `lines_for_change`."""
    if not _computable(terms, subscription):
        return ()
    return _lines(
        terms,
        invoiced_starts=invoiced_starts,
        subscription=subscription,
        billed=billed,
        since=None,
        refund=None,
    )
