# SPDX-License-Identifier: AGPL-3.0-or-later
"""Documents the core proposes: regular / manual, change-log and non-recurring invoices.

Sections 3, 6, 8 and 9 of docs/billing.md. Every function is pure: snapshots and "today" in, a
`Proposal` out (no lines: create nothing). The invariants of `invariants.py` are checked on
every proposal before it is returned.

Change lines are not computed here: each change's lines were fixed when the change was recorded
(`change_record.lines_for_change`) and are handed in as `pending` (`PendingLine`); a document
carries them unchanged (`ProposedLine.change_line_id` names the stored line). `billed` is the
billed record, those pending lines included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from seatline.core.changes import SubLine, billed_steps, cycle_lines
from seatline.core.invariants import Prepared, check_proposal
from seatline.core.money import percent_of, quantize, to_fraction, unit_price4, usage_amount
from seatline.core.proration import months_fraction, musp
from seatline.core.schedule import (
    contract_cycles,
    cycle_containing,
    cycle_starting,
    due_date_for,
    invoice_date_for,
)
from seatline.core.taxes import compute_taxes
from seatline.core.timeline import billing_timeline
from seatline.core.types import (
    CHANGE_LOG,
    CREDIT,
    MANUAL,
    MINIMUM_COMMITMENT,
    NRI,
    PRORATION,
    RECURRING,
    REGULAR,
    USAGE,
    BilledLine,
    BillingSettings,
    ContractTerms,
    CoreError,
    Cycle,
    NonRecurringCharge,
    PendingLine,
    Proposal,
    ProposedLine,
    SubscriptionSnapshot,
    TaxContext,
    UsageCharge,
)

DISCOUNTED_TYPES = frozenset({RECURRING, PRORATION, CREDIT})
SUBSCRIPTION_TYPES = DISCOUNTED_TYPES


def invoiced_cycles(terms: ContractTerms, invoiced_starts: frozenset[dt.date]) -> list[Cycle]:
    """The cycles that have their regular invoice (starts that are no cycle start are ignored)."""
    cycles = [cycle_starting(terms, start) for start in sorted(invoiced_starts)]
    return [cycle for cycle in cycles if cycle is not None]


def _billed_by_subscription(billed: Sequence[BilledLine]) -> dict[int, list[BilledLine]]:
    out: dict[int, list[BilledLine]] = {}
    for line in billed:
        out.setdefault(line.subscription_id, []).append(line)
    return out


def subscription_line(terms: ContractTerms, sub: SubscriptionSnapshot, line: SubLine) -> ProposedLine:
    amount = quantize(
        line.quantity
        * musp(line.unit_price, line.unit_months)
        * months_fraction(terms, line.cycle, line.start, line.end),
        terms.currency,
    )
    discount = quantize(percent_of(amount, terms.discount_percent), terms.currency)
    return ProposedLine(
        type=line.type,
        description=sub.description,
        quantity=Decimal(line.quantity),
        unit_price=unit_price4(line.unit_price),
        amount=amount,
        discount=discount,
        taxable=sub.taxable,
        subscription_id=sub.id,
        period_start=line.start,
        period_end=line.end,
        tax_category=sub.tax_category,
        unit_months=line.unit_months,
    )


def _nri_line(nri: NonRecurringCharge, currency: str) -> ProposedLine:
    amount = quantize(to_fraction(nri.quantity) * to_fraction(nri.unit_price), currency)
    return ProposedLine(
        type=NRI,
        description=nri.description,
        quantity=nri.quantity,
        unit_price=unit_price4(nri.unit_price),
        amount=amount,
        discount=quantize(percent_of(amount, nri.discount_percent), currency),
        taxable=nri.taxable,
        nri_id=nri.id,
        tax_category=nri.tax_category,
    )


def _usage_line(usage: UsageCharge, currency: str) -> ProposedLine:
    amount = quantize(usage_amount(usage.cost, usage.markup_percent), currency)
    return ProposedLine(
        type=USAGE,
        description=usage.description,
        quantity=Decimal(1),
        unit_price=unit_price4(amount),
        amount=amount,
        discount=quantize(0, currency),
        taxable=usage.taxable,
        subscription_id=usage.subscription_id,
        period_start=usage.period_start,
        period_end=usage.period_end,
        usage_id=usage.id,
        tax_category=usage.tax_category,
    )


def _subscription_lines(
    terms: ContractTerms,
    *,
    subscriptions: Sequence[SubscriptionSnapshot],
    billed: Sequence[BilledLine],
    pending: Sequence[PendingLine],
    cycle: Cycle | None,
) -> tuple[list[ProposedLine], dict[int, Prepared]]:
    """Per subscription: its pending change lines (in the order they were computed), then, with
    `cycle`, that cycle's own lines."""
    by_sub = _billed_by_subscription(billed)
    carried: dict[int | None, list[ProposedLine]] = {}
    for item in pending:
        carried.setdefault(item.line.subscription_id, []).append(replace(item.line, change_line_id=item.id))
    lines: list[ProposedLine] = []
    prepared: dict[int, Prepared] = {}
    for sub in subscriptions:
        lines.extend(carried.pop(sub.id, ()))
        if sub.kind == "usage" or cycle is None:
            continue
        timeline = billing_timeline(terms, sub)
        prepared[sub.id] = (timeline, billed_steps(by_sub.get(sub.id, ())))
        own = cycle_lines(terms, cycle, timeline, sub.unit_months)
        lines.extend(subscription_line(terms, sub, line) for line in sorted(own, key=lambda x: x.start))
    for rest in carried.values():  # change lines of subscriptions not given (none in practice)
        lines.extend(rest)
    return lines, prepared


def _proposal(
    terms: ContractTerms,
    *,
    kind: str,
    cycle: Cycle | None,
    lines: list[ProposedLine],
    taxes: TaxContext,
    settings: BillingSettings,
    today: dt.date,
    invoice_date: dt.date | None = None,
) -> Proposal:
    if invoice_date is None:
        invoice_date = invoice_date_for(terms, cycle, kind=kind, generated_on=today, settings=settings)
    return Proposal(
        kind=kind,
        currency=terms.currency,
        generated_on=today,
        invoice_date=invoice_date,
        due_date=due_date_for(terms, invoice_date),
        cycle=cycle,
        lines=tuple(lines),
        taxes=compute_taxes(lines, taxes, terms.currency) if lines else (),
    )


def _require_recurring(terms: ContractTerms) -> None:
    if terms.type != "recurring" or terms.frequency is None:
        raise CoreError("not_recurring", f"contract {terms.id} is not a recurring contract")


def propose_regular(
    terms: ContractTerms,
    cycle: Cycle,
    *,
    subscriptions: Sequence[SubscriptionSnapshot],
    billed: Sequence[BilledLine],
    invoiced_starts: frozenset[dt.date],
    nris: Sequence[NonRecurringCharge],
    usage: Sequence[UsageCharge],
    taxes: TaxContext,
    settings: BillingSettings,
    today: dt.date,
    kind: str = REGULAR,
    pending: Sequence[PendingLine] = (),
) -> Proposal:
    """The regular (or, with kind=MANUAL, manual) invoice of `cycle`, generated on `today`.

    Lines: the contract's pending change lines, the cycle's own subscription lines (the
    timeline as known today, the quantity then in force assumed to last to the cycle end), every
    NRI dated on or before today, every usage record given, the minimum-commitment line, then
    the contract discount and taxes. `billed`: the billed record, `pending` included.
    """
    _require_recurring(terms)
    if kind not in (REGULAR, MANUAL):
        raise ValueError(f"propose_regular makes regular or manual invoices, not {kind!r}")
    if cycle.start in invoiced_starts:
        raise CoreError("cycle_already_invoiced", f"cycle starting {cycle.start} already has its invoice")
    if cycle_starting(terms, cycle.start) != cycle:
        raise CoreError("no_such_cycle", f"{cycle.start} is not the start of one of the contract's cycles")
    invoiced = invoiced_cycles(terms, invoiced_starts)
    lines, prepared = _subscription_lines(
        terms, subscriptions=subscriptions, billed=billed, pending=pending, cycle=cycle
    )
    lines.extend(_nri_line(nri, terms.currency) for nri in nris if nri.date <= today and nri.quantity != 0)
    usage_lines = [_usage_line(record, terms.currency) for record in usage]
    lines.extend(usage_lines)
    minimum = to_fraction(terms.minimum_commitment)
    used = sum((to_fraction(line.amount) for line in usage_lines), Fraction(0))
    if minimum > 0 and used < minimum:
        amount = quantize(minimum - used, terms.currency)
        lines.append(
            ProposedLine(
                type=MINIMUM_COMMITMENT,
                description="Minimum commitment",
                quantity=Decimal(1),
                unit_price=unit_price4(amount),
                amount=amount,
                discount=quantize(0, terms.currency),
                taxable=True,
                period_start=cycle.start,
                period_end=cycle.end,
            )
        )
    proposal = _proposal(
        terms, kind=kind, cycle=cycle, lines=lines, taxes=taxes, settings=settings, today=today
    )
    check_proposal(
        terms,
        proposal,
        subscriptions=subscriptions,
        billed=billed,
        invoiced=invoiced,
        cycle=cycle,
        taxes=taxes,
        prepared=prepared,
    )
    return proposal


def propose_change_log(
    terms: ContractTerms,
    *,
    subscriptions: Sequence[SubscriptionSnapshot],
    billed: Sequence[BilledLine],
    invoiced_starts: frozenset[dt.date],
    nris: Sequence[NonRecurringCharge],
    taxes: TaxContext,
    settings: BillingSettings,
    today: dt.date,
    pending: Sequence[PendingLine] = (),
) -> Proposal:
    """A change-log invoice (section 8): the contract's pending change lines, and the NRIs dated
    on or before today of quarterly, annual and triennial contracts (a monthly contract's NRIs
    wait for its regular invoice; usage always does).

    Refused (`earlier_cycle_not_invoiced`) while a cycle before the one holding the latest
    change behind its lines has no regular invoice.
    """
    _require_recurring(terms)
    invoiced = invoiced_cycles(terms, invoiced_starts)
    lines, _ = _subscription_lines(
        terms, subscriptions=subscriptions, billed=billed, pending=pending, cycle=None
    )
    latest = max((item.effective for item in pending), default=None)
    if latest is not None:
        holding = cycle_containing(terms, latest)
        if holding is not None:
            for earlier in contract_cycles(terms, through=holding.start):
                if earlier.index < holding.index and earlier.start not in invoiced_starts:
                    raise CoreError(
                        "earlier_cycle_not_invoiced",
                        f"cycle starting {earlier.start} has no regular invoice yet",
                    )
    if terms.frequency != "monthly":
        lines.extend(
            _nri_line(nri, terms.currency) for nri in nris if nri.date <= today and nri.quantity != 0
        )
    proposal = _proposal(
        terms, kind=CHANGE_LOG, cycle=None, lines=lines, taxes=taxes, settings=settings, today=today
    )
    check_proposal(
        terms,
        proposal,
        subscriptions=subscriptions,
        billed=billed,
        invoiced=invoiced,
        cycle=None,
        taxes=taxes,
    )
    return proposal


def propose_non_recurring(
    terms: ContractTerms,
    *,
    nris: Sequence[NonRecurringCharge],
    taxes: TaxContext,
    settings: BillingSettings,
    today: dt.date,
) -> Proposal:
    """Non-recurring contracts: the NRIs dated before today, on a `regular` invoice dated today."""
    lines = [_nri_line(nri, terms.currency) for nri in nris if nri.date < today and nri.quantity != 0]
    proposal = _proposal(
        terms,
        kind=REGULAR,
        cycle=None,
        lines=lines,
        taxes=taxes,
        settings=settings,
        today=today,
        invoice_date=today,
    )
    check_proposal(terms, proposal, subscriptions=(), billed=(), invoiced=(), cycle=None, taxes=taxes)
    return proposal


def billed_lines_of(proposal: Proposal) -> tuple[BilledLine, ...]:
    """What saving `proposal` adds to the billed record: its subscription lines, except the
    change lines it carries (those are in the record since their change was recorded)."""
    return tuple(
        BilledLine(
            subscription_id=line.subscription_id,
            type=line.type,
            period_start=line.period_start,
            period_end=line.period_end,
            quantity=int(line.quantity),
            unit_price=line.unit_price,
            unit_months=line.unit_months or 1,
        )
        for line in proposal.lines
        if line.type in SUBSCRIPTION_TYPES
        and line.change_line_id is None
        and line.subscription_id is not None
        and line.period_start is not None
        and line.period_end is not None
    )
