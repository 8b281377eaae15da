# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing invariants (docs/billing.md section 6, "Invariant"), checked on every document the core
proposes and on the lines of every change it records.

A change's lines (`check_change_lines`), for one subscription: after they are added to the
billed record, every invoiced day on or after the first day the change affects that has its
quantity in force at or above the billed quantity is billed exactly the quantity in force (the
difference charged once); below it: billed exactly the quantity in force when the change is a
refunded reduction (advance policy), else unchanged (the customer keeps the seats already paid
for; never a second charge). Every other day is unchanged.

A document (`check_proposal`): the cycle being invoiced is billed exactly the quantity in force
and was billed nothing before; its own lines touch no other day; the change lines it carries lie
in invoiced cycles (they are in the billed record already). Per document: no zero-quantity line,
signs consistent with the line type, no credit under the arrears policy, taxes recomputed from
the lines, total = sum of lines + taxes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from seatline.core.changes import billed_steps, cycles_overlapping
from seatline.core.taxes import compute_taxes
from seatline.core.timeline import StepFunction, billing_timeline, pieces
from seatline.core.types import (
    CREDIT,
    PRORATION,
    RECURRING,
    BilledLine,
    ContractTerms,
    Cycle,
    InvariantViolation,
    Proposal,
    ProposedLine,
    SubscriptionSnapshot,
    TaxContext,
)

SUBSCRIPTION_TYPES = frozenset({RECURRING, PRORATION, CREDIT})

Prepared = tuple[StepFunction, StepFunction]  # (billing timeline, billed quantity before)


def as_billed(lines: Iterable[ProposedLine]) -> list[BilledLine]:
    """The subscription lines among `lines` as billed-record rows."""
    out: list[BilledLine] = []
    for line in lines:
        if line.type not in SUBSCRIPTION_TYPES:
            continue
        if line.subscription_id is None or line.period_start is None or line.period_end is None:
            raise InvariantViolation(f"subscription line without subscription or period: {line}")
        out.append(
            BilledLine(
                subscription_id=line.subscription_id,
                type=line.type,
                period_start=line.period_start,
                period_end=line.period_end,
                quantity=int(line.quantity),
                unit_price=line.unit_price,
                unit_months=line.unit_months or 1,
            )
        )
    return out


def check_lines(terms: ContractTerms, lines: Iterable[ProposedLine]) -> None:
    """No zero-quantity line, signs consistent with the type, no credit under arrears."""
    for line in lines:
        if line.quantity == 0:
            raise InvariantViolation(f"zero-quantity line: {line}")
        if line.type == CREDIT and (line.quantity > 0 or line.amount > 0):
            raise InvariantViolation(f"a credit line must be negative: {line}")
        if line.type in (RECURRING, PRORATION) and (line.quantity < 0 or line.amount < 0):
            raise InvariantViolation(f"a charge line must not be negative: {line}")
        if line.type == CREDIT and terms.policy != "advance":
            raise InvariantViolation("the arrears policy never credits")


def check_document(terms: ContractTerms, proposal: Proposal, taxes: TaxContext) -> None:
    """Per-line and per-document checks."""
    check_lines(terms, proposal.lines)
    expected_taxes = compute_taxes(proposal.lines, taxes, terms.currency) if proposal.lines else ()
    if proposal.taxes != expected_taxes:
        raise InvariantViolation(f"taxes {proposal.taxes} differ from {expected_taxes}")
    lines_total = sum((line.amount - line.discount for line in proposal.lines), Decimal("0"))
    taxes_total = sum((tax.amount for tax in proposal.taxes), Decimal("0"))
    if proposal.total != lines_total + taxes_total:
        raise InvariantViolation("document total differs from the sum of its lines and taxes")


def _inside(sub_id: int, line: BilledLine, cycles: Sequence[Cycle], since: dt.date | None) -> None:
    """`line` lies inside one of `cycles` (and not before `since`)."""
    starts = [c.start for c in cycles]
    holders = cycles_overlapping(cycles, starts, line.period_start, line.period_end)
    if (
        len(holders) != 1
        or line.period_start < holders[0].start
        or line.period_end > holders[0].end
        or (since is not None and line.period_start < since)
    ):
        raise InvariantViolation(f"subscription {sub_id}: line {line} is not inside one invoiced cycle")


def check_billed_days(
    terms: ContractTerms,
    sub: SubscriptionSnapshot,
    before: Sequence[BilledLine],
    added: Sequence[BilledLine],
    *,
    invoiced: Sequence[Cycle],
    cycle: Cycle | None = None,
    since: dt.date | None = None,
    refund: bool | None = False,
    prepared: Prepared | None = None,
) -> None:
    """The per-day billed-quantity invariant of one subscription (module doc).

    With `cycle`: `added` are that cycle's own lines (a document). With `since`: `added` are the
    lines of one change affecting the days from `since` on; `refund` tells whether a quantity
    below the billed one is credited (None: the reduction governing the day decides).
    `prepared`: the subscription's timeline and billed-quantity step functions when the caller
    has them already.
    """
    if cycle is not None:
        targets: list[Cycle] = [cycle]
    elif since is not None:
        targets = sorted((c for c in invoiced if c.end >= since), key=lambda c: c.start)
    else:
        targets = []
    if not targets:
        if added:
            raise InvariantViolation(f"subscription {sub.id}: lines outside any invoiced cycle")
        return
    for line in added:
        _inside(sub.id, line, targets, since if cycle is None else None)
    if not sub.changes and not before and not added:
        return
    timeline, before_fn = prepared or (billing_timeline(terms, sub), billed_steps(before))
    after_fn = billed_steps(added, before_fn) if added else before_fn
    a, b = targets[0].start, targets[-1].end
    if cycle is None and since is not None:
        a = max(a, since)
    starts = [c.start for c in targets]
    advance = terms.policy == "advance"
    usage = sub.kind == "usage"
    for start, end, (state, billed_before, billed_after) in pieces(a, b, [timeline, before_fn, after_fn]):
        quantity = state.quantity
        if cycle is not None and not usage:
            expected = quantity if billed_before == 0 else -1  # the cycle billed once, in full
        elif usage:
            expected = billed_before
        elif quantity >= billed_before or (advance and (state.refund if refund is None else refund)):
            expected = quantity
        else:
            expected = billed_before
        if billed_after == billed_before == expected:
            continue
        if billed_after != expected or billed_after < 0:
            if not cycles_overlapping(targets, starts, start, end):
                continue  # a day between invoiced cycles: no line can reach it (checked above)
            raise InvariantViolation(
                f"subscription {sub.id} {start}..{end}: in force {quantity}, "
                f"billed {billed_before} before and {billed_after} after"
            )


def check_change_lines(
    terms: ContractTerms,
    sub: SubscriptionSnapshot,
    *,
    before: Sequence[BilledLine],
    lines: Sequence[ProposedLine],
    invoiced: Sequence[Cycle],
    since: dt.date,
    refund: bool | None,
    prepared: Prepared | None = None,
) -> None:
    """Raise InvariantViolation unless the lines of one change keep every billing invariant."""
    check_lines(terms, lines)
    added = as_billed(lines)
    for line in added:
        if line.subscription_id != sub.id:
            raise InvariantViolation(f"a line of subscription {line.subscription_id} among {sub.id}'s")
    check_billed_days(
        terms, sub, before, added, invoiced=invoiced, since=since, refund=refund, prepared=prepared
    )


def check_proposal(
    terms: ContractTerms,
    proposal: Proposal,
    *,
    subscriptions: Sequence[SubscriptionSnapshot],
    billed: Sequence[BilledLine],
    invoiced: Sequence[Cycle],
    cycle: Cycle | None,
    taxes: TaxContext,
    prepared: Mapping[int, Prepared] | None = None,
) -> None:
    """Raise InvariantViolation unless the proposal keeps every billing invariant.

    `billed` is the billed record before the document, the change lines it carries included.
    """
    check_document(terms, proposal, taxes)
    own = as_billed(line for line in proposal.lines if line.change_line_id is None)
    carried = as_billed(line for line in proposal.lines if line.change_line_id is not None)
    known = {sub.id for sub in subscriptions}
    for line in own:
        if line.subscription_id not in known:
            raise InvariantViolation(f"line for unknown subscription {line.subscription_id}")
    if carried:
        cycles = sorted(invoiced, key=lambda c: c.start)
        for line in carried:
            _inside(line.subscription_id, line, cycles, None)
    before_by_sub: dict[int, list[BilledLine]] = {}
    for line in billed:
        before_by_sub.setdefault(line.subscription_id, []).append(line)
    added_by_sub: dict[int, list[BilledLine]] = {}
    for line in own:
        added_by_sub.setdefault(line.subscription_id, []).append(line)
    for sub in subscriptions:
        check_billed_days(
            terms,
            sub,
            before_by_sub.get(sub.id, []),
            added_by_sub.get(sub.id, []),
            invoiced=invoiced,
            cycle=cycle,
            prepared=(prepared or {}).get(sub.id),
        )
