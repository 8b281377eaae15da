# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers of the core tests: propose a regular or change-log invoice, keep a billed record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from seatline.core import (
    as_billed,
    billed_lines_of,
    cycle_starting,
    lines_for_change,
    propose_change_log,
    propose_regular,
)
from seatline.core.types import (
    BilledLine,
    BillingSettings,
    ContractTerms,
    NonRecurringCharge,
    PendingLine,
    Proposal,
    ProposedLine,
    SubscriptionSnapshot,
    TaxContext,
    UsageCharge,
)
from tests.core.factories import D, terms

S = BillingSettings()
NO_TAX = TaxContext()


def regular(
    t: ContractTerms,
    start: dt.date,
    subs: Sequence[SubscriptionSnapshot],
    *,
    today: dt.date | None = None,
    billed: Sequence[BilledLine] = (),
    invoiced: Sequence[dt.date] = (),
    nris: Sequence[NonRecurringCharge] = (),
    usage: Sequence[UsageCharge] = (),
    taxes: TaxContext = NO_TAX,
    kind: str = "regular",
    pending: Sequence[PendingLine] = (),
) -> Proposal:
    cycle = cycle_starting(t, start)
    assert cycle is not None
    return propose_regular(
        t,
        cycle,
        subscriptions=subs,
        billed=billed,
        invoiced_starts=frozenset(invoiced),
        nris=nris,
        usage=usage,
        taxes=taxes,
        settings=S,
        today=today or start + dt.timedelta(days=1),
        kind=kind,
        pending=pending,
    )


def cli(
    t: ContractTerms,
    subs: Sequence[SubscriptionSnapshot],
    *,
    today: dt.date,
    billed: Sequence[BilledLine] = (),
    invoiced: Sequence[dt.date] = (),
    nris: Sequence[NonRecurringCharge] = (),
    pending: Sequence[PendingLine] = (),
) -> Proposal:
    return propose_change_log(
        t,
        subscriptions=subs,
        billed=billed,
        invoiced_starts=frozenset(invoiced),
        nris=nris,
        taxes=NO_TAX,
        settings=S,
        today=today,
        pending=pending,
    )


class Record:
    """The billed record of a test: documents and change lines, and the pending ones."""

    def __init__(self, t: ContractTerms, *documents: Proposal) -> None:
        self.terms = t
        self.billed: list[BilledLine] = [line for d in documents for line in billed_lines_of(d)]
        self.pending: list[PendingLine] = []
        self.ids = 99  # ids of the stored change lines

    def change(
        self, s: SubscriptionSnapshot, change_id: int, invoiced: Sequence[dt.date]
    ) -> tuple[ProposedLine, ...]:
        """Record the change `change_id` of `s` (the snapshot after it): its lines become pending."""
        (recorded,) = [c for c in s.changes if c.id == change_id]
        lines = lines_for_change(
            self.terms,
            invoiced_starts=frozenset(invoiced),
            subscription=s,
            change=recorded,
            billed=self.billed,
        )
        for line in lines:
            self.ids += 1
            self.pending.append(PendingLine(self.ids, recorded.effective, line))
        self.billed.extend(as_billed(lines))
        return lines

    def document(self, proposal: Proposal) -> Proposal:
        """Save `proposal`: its carried change lines leave the pending ones."""
        carried = {line.change_line_id for line in proposal.lines}
        self.pending = [p for p in self.pending if p.id not in carried]
        self.billed.extend(billed_lines_of(proposal))
        return proposal


def nri(id: int, date: dt.date, price: str = "150.00", discount: str = "0") -> NonRecurringCharge:
    return NonRecurringCharge(
        id=id,
        description="Setup",
        quantity=Decimal(1),
        unit_price=Decimal(price),
        date=date,
        discount_percent=Decimal(discount),
    )


def usage(id: int, cost: str, markup: str = "0", sub_id: int = 9) -> UsageCharge:
    return UsageCharge(
        id=id,
        subscription_id=sub_id,
        description="Azure",
        cost=Decimal(cost),
        markup_percent=Decimal(markup),
        period_start=D(2024, 1, 1),
        period_end=D(2024, 1, 31),
    )


QUARTERLY = terms(frequency="quarterly", start=D(2024, 1, 1), change_log_invoices="weekly")
