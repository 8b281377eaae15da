# SPDX-License-Identifier: AGPL-3.0-or-later
"""Builders of core snapshots and a tiny day-by-day driver of the core (no Django)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from seatline.core import (
    as_billed,
    billed_lines_of,
    due_cycles,
    is_change_log_day,
    lines_for_change,
    propose_change_log,
    propose_regular,
)
from seatline.core.types import (
    BilledLine,
    BillingSettings,
    Change,
    ContractTerms,
    NonRecurringCharge,
    PendingLine,
    Proposal,
    ProposedLine,
    SubscriptionSnapshot,
    TaxContext,
    UsageCharge,
)

D = dt.date


def terms(**overrides: object) -> ContractTerms:
    values: dict[str, object] = {
        "id": 1,
        "type": "recurring",
        "frequency": "monthly",
        "policy": "advance",
        "prorate_unit": "days",
        "start": D(2024, 1, 1),
        "end": None,
        "auto_renew": False,
        "currency": "USD",
    }
    values.update(overrides)
    return ContractTerms(**values)  # type: ignore[arg-type]


def change(
    effective: dt.date,
    delta: int,
    price: str | Decimal = "12.00",
    kind: str | None = None,
    *,
    refund: bool = False,
    id: int = 0,
) -> Change:
    if kind is None:
        kind = "increase" if delta > 0 else "decrease" if delta < 0 else "price"
    return Change(id=id, effective=effective, delta=delta, price=Decimal(price), kind=kind, refund=refund)


def sub(
    changes: Sequence[Change],
    *,
    id: int = 1,
    unit_months: int = 1,
    start: dt.date | None = None,
    kind: str = "license",
    taxable: bool = True,
    tax_category: str | None = None,
) -> SubscriptionSnapshot:
    numbered = tuple(replace(c, id=c.id or n + 1) for n, c in enumerate(changes))
    return SubscriptionSnapshot(
        id=id,
        kind=kind,
        description=f"Subscription {id}",
        unit_months=unit_months,
        start=start or (changes[0].effective if changes else D(2024, 1, 1)),
        changes=tuple(sorted(numbered, key=lambda c: (c.effective, c.id))),
        taxable=taxable,
        tax_category=tax_category,
    )


def line_key(lines: Sequence[ProposedLine]) -> list[tuple[object, ...]]:
    """Lines as (type, subscription, period_start, period_end, quantity, amount) strings."""
    return sorted(
        (
            line.type,
            line.subscription_id,
            str(line.period_start) if line.period_start else None,
            str(line.period_end) if line.period_end else None,
            str(line.quantity),
            str(line.amount),
        )
        for line in lines
    )


def key(proposal: Proposal) -> list[tuple[object, ...]]:
    """The lines of a proposal as `line_key` gives them."""
    return line_key(proposal.lines)


@dataclass
class Known:
    """A change that the system learns on `known_on` (the day of the user action)."""

    known_on: dt.date
    change: Change


@dataclass
class Driver:
    """Runs the core like the services and the nightly job: each change's lines are computed
    when it becomes known (before that day's jobs), then regular invoices, then change-log
    invoices. `billed` is the billed record (documents and pending change lines)."""

    terms: ContractTerms
    subs: list[tuple[SubscriptionSnapshot, list[Known]]]
    settings: BillingSettings = field(default_factory=BillingSettings)
    taxes: TaxContext = field(default_factory=TaxContext)
    nris: list[NonRecurringCharge] = field(default_factory=list)
    usage: list[tuple[dt.date, UsageCharge]] = field(default_factory=list)
    billed: list[BilledLine] = field(default_factory=list)
    pending: list[PendingLine] = field(default_factory=list)
    invoiced: set[dt.date] = field(default_factory=set)
    billed_nris: set[int] = field(default_factory=set)
    billed_usage: set[int] = field(default_factory=set)
    documents: list[Proposal] = field(default_factory=list)
    change_lines: list[tuple[Change, tuple[ProposedLine, ...]]] = field(default_factory=list)
    recorded: set[tuple[int, int]] = field(default_factory=set)  # (subscription, change id)
    line_ids: int = 0  # ids handed to pending change lines

    def snapshots(self, day: dt.date) -> list[SubscriptionSnapshot]:
        return [
            replace(base, changes=tuple(k.change for k in known if k.known_on <= day))
            for base, known in self.subs
        ]

    def record_changes(self, day: dt.date) -> None:
        """Record every change known on or before `day` not recorded yet, in list order."""
        for base, known in self.subs:
            for i, item in enumerate(known):
                if item.known_on > day or (base.id, item.change.id) in self.recorded:
                    continue
                self.recorded.add((base.id, item.change.id))
                after = replace(
                    base,
                    changes=tuple(
                        k.change for k in known[: i + 1] if (base.id, k.change.id) in self.recorded
                    ),
                )
                lines = lines_for_change(
                    self.terms,
                    invoiced_starts=frozenset(self.invoiced),
                    subscription=after,
                    change=item.change,
                    billed=self.billed,
                )
                self.change_lines.append((item.change, lines))
                for line in lines:
                    self.line_ids += 1
                    self.pending.append(PendingLine(self.line_ids, item.change.effective, line))
                self.billed.extend(as_billed(lines))

    def _record(self, proposal: Proposal) -> None:
        carried = {line.change_line_id for line in proposal.lines if line.change_line_id is not None}
        self.pending = [item for item in self.pending if item.id not in carried]
        if proposal.empty:
            return
        self.documents.append(proposal)
        self.billed.extend(billed_lines_of(proposal))
        self.billed_nris.update(line.nri_id for line in proposal.lines if line.nri_id is not None)
        self.billed_usage.update(line.usage_id for line in proposal.lines if line.usage_id is not None)

    def propose_change_log(self, day: dt.date) -> Proposal:
        return propose_change_log(
            self.terms,
            subscriptions=self.snapshots(day),
            billed=self.billed,
            invoiced_starts=frozenset(self.invoiced),
            nris=[n for n in self.nris if n.id not in self.billed_nris],
            taxes=self.taxes,
            settings=self.settings,
            today=day,
            pending=self.pending,
        )

    def run_day(self, day: dt.date, *, change_log: bool | None = None) -> None:
        """One day: changes, regular invoices, then a change-log invoice on the contract's
        change-log day (`change_log` True / False forces one / none)."""
        self.record_changes(day)
        subs = self.snapshots(day)
        for cycle in due_cycles(self.terms, run_date=day, invoiced_starts=frozenset(self.invoiced)):
            usage = [u for known, u in self.usage if known <= day and u.id not in self.billed_usage]
            proposal = propose_regular(
                self.terms,
                cycle,
                subscriptions=subs,
                billed=self.billed,
                invoiced_starts=frozenset(self.invoiced),
                nris=[n for n in self.nris if n.id not in self.billed_nris],
                usage=usage,
                taxes=self.taxes,
                settings=self.settings,
                today=day,
                pending=self.pending,
            )
            self.invoiced.add(cycle.start)
            self._record(proposal)
        if change_log if change_log is not None else is_change_log_day(self.terms, day, self.settings):
            self._record(self.propose_change_log(day))

    def run(self, start: dt.date, end: dt.date) -> list[Proposal]:
        day = start
        while day <= end:
            self.run_day(day)
            day += dt.timedelta(days=1)
        return self.documents
