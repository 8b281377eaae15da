# SPDX-License-Identifier: AGPL-3.0-or-later
"""Documents the core proposes: regular / manual, change-log and non-recurring invoices.

Sections 3, 6, 8 and 9 of docs/billing.md. Every function is pure: snapshots and "today" in, a
`Proposal` out (no lines: create nothing). The invariants of `invariants.py` are checked on
every proposal before it is returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from seatline.core.changes import SubLine, billed_steps, change_lines, cycle_lines
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


def _subscription_line(terms: ContractTerms, sub: SubscriptionSnapshot, line: SubLine) -> ProposedLine:
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
    invoiced: Sequence[Cycle],
    cycle: Cycle | None,
) -> tuple[list[ProposedLine], dict[int, list[SubLine]], dict[int, Prepared]]:
    """Change lines of invoiced days and, with `cycle`, that cycle's own lines, per subscription."""
    by_sub = _billed_by_subscription(billed)
    lines: list[ProposedLine] = []
    changes: dict[int, list[SubLine]] = {}
    prepared: dict[int, Prepared] = {}
    for sub in subscriptions:
        if sub.kind == "usage":
            continue
        timeline = billing_timeline(terms, sub)
        mine_billed = by_sub.get(sub.id, ())
        billed_fn = billed_steps(mine_billed)
        prepared[sub.id] = (timeline, billed_fn)
        mine = change_lines(terms, invoiced, timeline, mine_billed, sub.unit_months, billed_fn)
        changes[sub.id] = mine
        own = cycle_lines(terms, cycle, timeline, sub.unit_months) if cycle is not None else []
        for line in sorted(mine + own, key=lambda x: (x.start, x.type != CREDIT, x.end)):
            lines.append(_subscription_line(terms, sub, line))
    return lines, changes, prepared


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
) -> Proposal:
    """The regular (or, with kind=MANUAL, manual) invoice of `cycle`, generated on `today`.

    Lines: the cycle's own subscription lines, the unbilled change lines of invoiced cycles,
    every NRI dated on or before today, every usage record given, the minimum-commitment line,
    then the contract discount and taxes.
    """
    _require_recurring(terms)
    if kind not in (REGULAR, MANUAL):
        raise ValueError(f"propose_regular makes regular or manual invoices, not {kind!r}")
    if cycle.start in invoiced_starts:
        raise CoreError("cycle_already_invoiced", f"cycle starting {cycle.start} already has its invoice")
    if cycle_starting(terms, cycle.start) != cycle:
        raise CoreError("no_such_cycle", f"{cycle.start} is not the start of one of the contract's cycles")
    invoiced = invoiced_cycles(terms, invoiced_starts)
    lines, _, prepared = _subscription_lines(
        terms, subscriptions=subscriptions, billed=billed, invoiced=invoiced, cycle=cycle
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
    )
    return proposal


def _latest_billed_change(sub: SubscriptionSnapshot, lines: Sequence[SubLine]) -> dt.date | None:
    """The effective date of the latest quantity change behind the change lines of `sub`."""
    latest: dt.date | None = None
    for line in lines:
        for change in sub.changes:
            if (
                change.delta != 0
                and change.effective <= line.end
                and (latest is None or change.effective > latest)
            ):
                latest = change.effective
    return latest


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
) -> Proposal:
    """A change-log invoice (section 8): unbilled change lines of invoiced days, and the NRIs
    dated on or before today of quarterly, annual and triennial contracts (a monthly contract's
    NRIs wait for its regular invoice; usage always does).

    Refused (`earlier_cycle_not_invoiced`) while a cycle before the one holding the latest change
    behind its lines has no regular invoice.
    """
    _require_recurring(terms)
    invoiced = invoiced_cycles(terms, invoiced_starts)
    lines, changes, prepared = _subscription_lines(
        terms, subscriptions=subscriptions, billed=billed, invoiced=invoiced, cycle=None
    )
    latest: dt.date | None = None
    for sub in subscriptions:
        found = _latest_billed_change(sub, changes.get(sub.id, ()))
        if found is not None and (latest is None or found > latest):
            latest = found
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
    """The subscription lines of a proposal as `BilledLine` rows (what saving it would record)."""
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
        and line.subscription_id is not None
        and line.period_start is not None
        and line.period_end is not None
    )
