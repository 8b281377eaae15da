# SPDX-License-Identifier: AGPL-3.0-or-later
"""Contract cycles, generation, invoice and due dates (docs/billing.md sections 2, 3 and 8).

Decisions where the rules leave room:

- Auto-renew: "reaching E extends E by one term instead of stopping", as many times as needed,
  so an auto-renewing contract never stops and never truncates a cycle: its cycles are those
  of an evergreen contract. `term_end_on` gives the current (extended) end date for display;
  the extensions are computed from the anchor `E + 1 day` (`add_months(E + 1, n * term) - 1`).
- Invoice date basis `generation` prints `generated_on`, the day the document is actually
  created: a cycle caught up after its scheduled generation date (start or end + offset) is
  dated the day it was caught up, never earlier, and its due date counts from that day.
  Change-log, manual and credit-note documents carry their `generated_on` under either basis.
"""

from __future__ import annotations

import datetime as dt

from seatline.core.periods import ONE_DAY, add_months, anchored_month, month_index
from seatline.core.types import (
    CHANGE_LOG,
    CREDIT_NOTE,
    MANUAL,
    PAYMENT_TERMS_DAYS,
    BillingSettings,
    ContractTerms,
    Cycle,
)

ADVANCE = "advance"
ARREARS = "arrears"


def _hard_end(terms: ContractTerms) -> dt.date | None:
    """The date after which no cycle runs: None for evergreen and auto-renewing contracts."""
    if terms.end is None or terms.auto_renew:
        return None
    return terms.end


def term_end_on(terms: ContractTerms, day: dt.date) -> dt.date | None:
    """The contract end date in force on `day` (auto-renew extensions applied), None if evergreen."""
    if terms.end is None:
        return None
    if not terms.auto_renew or day <= terms.end:
        return terms.end
    term = terms.renewal_term_months or terms.period_months
    anchor = terms.end + ONE_DAY
    n = 1
    while add_months(anchor, n * term) - ONE_DAY < day:
        n += 1
    return add_months(anchor, n * term) - ONE_DAY


def _cycle(terms: ContractTerms, k: int) -> Cycle | None:
    """Cycle k, or None when it starts after the end date (k < 0 is None too)."""
    if k < 0:
        return None
    p = terms.period_months
    start = add_months(terms.start, k * p)
    end = _hard_end(terms)
    if end is not None and start > end:
        return None
    full_end = add_months(terms.start, (k + 1) * p) - ONE_DAY
    return Cycle(index=k, start=start, end=min(full_end, end) if end else full_end, full_end=full_end)


def contract_cycles(terms: ContractTerms, *, through: dt.date) -> list[Cycle]:
    """Cycles k = 0, 1, ... whose start is on or before `through` (none starts after E)."""
    if terms.type != "recurring" or terms.frequency is None:
        return []
    cycles: list[Cycle] = []
    k = 0
    while True:
        cycle = _cycle(terms, k)
        if cycle is None or cycle.start > through:
            return cycles
        cycles.append(cycle)
        k += 1


def cycle_containing(terms: ContractTerms, day: dt.date) -> Cycle | None:
    """The cycle whose [start, end] holds `day`, or None (before the start, after the end)."""
    if terms.type != "recurring" or terms.frequency is None or day < terms.start:
        return None
    cycle = _cycle(terms, month_index(terms.start, day) // terms.period_months)
    if cycle is None or not (cycle.start <= day <= cycle.end):
        return None
    return cycle


def cycle_starting(terms: ContractTerms, start: dt.date) -> Cycle | None:
    """The cycle starting exactly on `start`, or None (`no_such_cycle`)."""
    cycle = cycle_containing(terms, start)
    if cycle is None or cycle.start != start:
        return None
    return cycle


def anchored_months(terms: ContractTerms, cycle: Cycle) -> list[tuple[dt.date, dt.date]]:
    """The anchored months (full length, anchored on the contract start) overlapping the cycle."""
    p = terms.period_months
    months = [anchored_month(terms.start, k) for k in range(cycle.index * p, (cycle.index + 1) * p)]
    return [m for m in months if m[0] <= cycle.end]


def generation_date(terms: ContractTerms, cycle: Cycle) -> dt.date:
    """Advance: cycle start + offset. Arrears: (possibly truncated) cycle end + offset."""
    base = cycle.end if terms.policy == ARREARS else cycle.start
    return base + dt.timedelta(days=terms.invoice_offset_days)


def invoice_date_for(
    terms: ContractTerms,
    cycle: Cycle | None,
    *,
    kind: str,
    generated_on: dt.date,
    settings: BillingSettings,
) -> dt.date:
    """The printed invoice date (section 3)."""
    if kind in (CHANGE_LOG, MANUAL, CREDIT_NOTE) or cycle is None:
        return generated_on
    if settings.invoice_date_basis == "generation":
        return generated_on
    return cycle.end if terms.policy == ARREARS else cycle.start


def due_date_for(terms: ContractTerms, invoice_date: dt.date) -> dt.date:
    """Invoice date + payment terms (due_on_receipt 0, net15 15, ... net90 90 days)."""
    return invoice_date + dt.timedelta(days=PAYMENT_TERMS_DAYS[terms.payment_terms])


def due_cycles(
    terms: ContractTerms, *, run_date: dt.date, invoiced_starts: frozenset[dt.date]
) -> list[Cycle]:
    """Every cycle whose generation date is on or before `run_date` with no regular invoice yet."""
    # A generation date is at least start - 28 days, so no later cycle can be due.
    horizon = run_date + dt.timedelta(days=max(0, -terms.invoice_offset_days) + 1)
    return [
        cycle
        for cycle in contract_cycles(terms, through=horizon)
        if cycle.start not in invoiced_starts and generation_date(terms, cycle) <= run_date
    ]


def is_change_log_day(terms: ContractTerms, day: dt.date, settings: BillingSettings) -> bool:
    """Change-log invoice day: weekly on `change_log_weekday`, monthly on the 1st, `off` never."""
    if terms.type != "recurring":
        return False
    if terms.change_log_invoices == "weekly":
        return day.weekday() == settings.change_log_weekday
    if terms.change_log_invoices == "monthly":
        return day.day == 1
    return False
