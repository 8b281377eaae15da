# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing invariants checked on every proposal (docs/billing.md section 6, "Invariant").

After applying a proposal, for every subscription and every invoiced day (the days of the
invoiced cycles and of the cycle being invoiced):

- the cycle being invoiced is billed exactly the quantity in force (and was billed nothing before);
- an invoiced day whose quantity in force is at or above the billed quantity is billed exactly
  the quantity in force (the difference charged once);
- below it: billed exactly the quantity in force when a refund governs the day (advance policy),
  else unchanged (the customer keeps the seats already paid for; never a second charge).

And per document: no zero-quantity line, signs consistent with the line type, no credit under
the arrears policy, taxes recomputed from the lines, total = sum of lines + taxes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    SubscriptionSnapshot,
    TaxContext,
)

SUBSCRIPTION_TYPES = frozenset({RECURRING, PRORATION, CREDIT})

Prepared = tuple[StepFunction, StepFunction]  # (billing timeline, billed quantity before)


def _new_billed(proposal: Proposal) -> list[BilledLine]:
    out: list[BilledLine] = []
    for line in proposal.lines:
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


def check_document(terms: ContractTerms, proposal: Proposal, taxes: TaxContext) -> None:
    """Per-line and per-document checks."""
    for line in proposal.lines:
        if line.quantity == 0:
            raise InvariantViolation(f"zero-quantity line: {line}")
        if line.type == CREDIT and (line.quantity > 0 or line.amount > 0):
            raise InvariantViolation(f"a credit line must be negative: {line}")
        if line.type in (RECURRING, PRORATION) and (line.quantity < 0 or line.amount < 0):
            raise InvariantViolation(f"a charge line must not be negative: {line}")
        if line.type == CREDIT and terms.policy != "advance":
            raise InvariantViolation("the arrears policy never credits")
    expected_taxes = compute_taxes(proposal.lines, taxes, terms.currency) if proposal.lines else ()
    if proposal.taxes != expected_taxes:
        raise InvariantViolation(f"taxes {proposal.taxes} differ from {expected_taxes}")
    lines_total = sum((line.amount - line.discount for line in proposal.lines), Decimal("0"))
    taxes_total = sum((tax.amount for tax in proposal.taxes), Decimal("0"))
    if proposal.total != lines_total + taxes_total:
        raise InvariantViolation("document total differs from the sum of its lines and taxes")


def check_billed_days(
    terms: ContractTerms,
    sub: SubscriptionSnapshot,
    before: Sequence[BilledLine],
    added: Sequence[BilledLine],
    invoiced: Sequence[Cycle],
    cycle: Cycle | None,
    prepared: Prepared | None = None,
) -> None:
    """The per-day billed-quantity invariant of one subscription (module doc).

    `prepared`: the subscription's timeline and billed-quantity step functions when the caller
    has them already.
    """
    cycles = sorted([*invoiced, cycle] if cycle is not None else invoiced, key=lambda c: c.start)
    if not cycles:
        if added:
            raise InvariantViolation(f"subscription {sub.id}: lines outside any invoiced cycle")
        return
    starts = [c.start for c in cycles]
    for line in added:
        holders = cycles_overlapping(cycles, starts, line.period_start, line.period_end)
        if len(holders) != 1 or line.period_start < holders[0].start or line.period_end > holders[0].end:
            raise InvariantViolation(f"subscription {sub.id}: line {line} is not inside one invoiced cycle")
    if not sub.changes and not before and not added:
        return
    timeline, before_fn = prepared or (billing_timeline(terms, sub), billed_steps(before))
    after_fn = billed_steps(added, before_fn) if added else before_fn
    refunds = terms.policy == "advance"
    usage = sub.kind == "usage"
    for start, end, (state, billed_before, billed_after) in pieces(
        cycles[0].start, cycles[-1].end, [timeline, before_fn, after_fn]
    ):
        quantity = state.quantity
        if usage:
            invoiced_expected = billed_before
        elif quantity >= billed_before or (refunds and state.refund):
            invoiced_expected = quantity
        else:
            invoiced_expected = billed_before
        current = cycle is not None and start <= cycle.end and end >= cycle.start
        if not current and billed_after == billed_before == invoiced_expected:
            continue  # right whether or not the days are invoiced
        for holder in cycles_overlapping(cycles, starts, start, end):
            if cycle is not None and holder == cycle and not usage:
                expected = quantity if billed_before == 0 else -1
            else:
                expected = invoiced_expected
            if billed_after != expected or billed_after < 0:
                raise InvariantViolation(
                    f"subscription {sub.id} {max(start, holder.start)}..{min(end, holder.end)}: in force "
                    f"{quantity}, billed {billed_before} before and {billed_after} after the proposal"
                )
        if billed_after != billed_before and not cycles_overlapping(cycles, starts, start, end):
            raise InvariantViolation(f"subscription {sub.id} {start}..{end}: billed outside invoiced cycles")


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
    """Raise InvariantViolation unless the proposal keeps every billing invariant."""
    check_document(terms, proposal, taxes)
    added = _new_billed(proposal)
    known = {sub.id for sub in subscriptions}
    for line in added:
        if line.subscription_id not in known:
            raise InvariantViolation(f"line for unknown subscription {line.subscription_id}")
    before_by_sub: dict[int, list[BilledLine]] = {}
    for line in billed:
        before_by_sub.setdefault(line.subscription_id, []).append(line)
    added_by_sub: dict[int, list[BilledLine]] = {}
    for line in added:
        added_by_sub.setdefault(line.subscription_id, []).append(line)
    for sub in subscriptions:
        check_billed_days(
            terms, sub, before_by_sub.get(sub.id, []), added_by_sub.get(sub.id, []), invoiced, cycle
        )
