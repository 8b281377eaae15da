# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from seatline.core import (
    add_months,
    anchored_months,
    contract_cycles,
    cycle_containing,
    cycle_starting,
    days_inclusive,
    due_cycles,
    due_date_for,
    generation_date,
    invoice_date_for,
    is_change_log_day,
    term_end_on,
)
from seatline.core.types import BillingSettings, Cycle
from tests.core.factories import D, terms


def spans(cycles: list[Cycle]) -> list[tuple[str, str]]:
    return [(str(c.start), str(c.end)) for c in cycles]


def test_add_months_clamps_and_is_anchored() -> None:
    s = D(2024, 1, 31)
    assert [add_months(s, k) for k in range(4)] == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)
    assert add_months(D(2024, 12, 15), 1) == D(2025, 1, 15)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)


def test_days_inclusive() -> None:
    assert days_inclusive(D(2024, 1, 1), D(2024, 1, 1)) == 1
    assert days_inclusive(D(2024, 1, 1), D(2024, 12, 31)) == 366
    assert days_inclusive(D(2024, 1, 2), D(2024, 1, 1)) == 0


def test_quarterly_from_jan_31_and_anchored_months() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 31))
    cycles = contract_cycles(t, through=D(2024, 12, 31))
    assert spans(cycles) == [
        ("2024-01-31", "2024-04-29"),
        ("2024-04-30", "2024-07-30"),
        ("2024-07-31", "2024-10-30"),
        ("2024-10-31", "2025-01-30"),
    ]
    assert anchored_months(t, cycles[1]) == [
        (D(2024, 4, 30), D(2024, 5, 30)),
        (D(2024, 5, 31), D(2024, 6, 29)),
        (D(2024, 6, 30), D(2024, 7, 30)),
    ]
    assert anchored_months(t, cycles[0]) == [
        (D(2024, 1, 31), D(2024, 2, 28)),
        (D(2024, 2, 29), D(2024, 3, 30)),
        (D(2024, 3, 31), D(2024, 4, 29)),
    ]


def test_triennial_cycles() -> None:
    t = terms(frequency="triennial", start=D(2024, 1, 1))
    cycles = contract_cycles(t, through=D(2027, 1, 1))
    assert spans(cycles) == [("2024-01-01", "2026-12-31"), ("2027-01-01", "2029-12-31")]
    assert len(anchored_months(t, cycles[0])) == 36


def test_end_date_truncates_and_no_cycle_starts_after_it() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), end=D(2024, 5, 15))
    cycles = contract_cycles(t, through=D(2030, 1, 1))
    assert spans(cycles) == [("2024-01-01", "2024-03-31"), ("2024-04-01", "2024-05-15")]
    assert cycles[1].truncated and cycles[1].full_end == D(2024, 6, 30)
    # anchored months keep their full length, months after the end are not listed
    assert anchored_months(t, cycles[1]) == [(D(2024, 4, 1), D(2024, 4, 30)), (D(2024, 5, 1), D(2024, 5, 31))]
    assert cycle_containing(t, D(2024, 5, 16)) is None
    assert cycle_starting(t, D(2024, 7, 1)) is None


def test_auto_renew_extends_the_end_instead_of_stopping() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), end=D(2024, 3, 31), auto_renew=True)
    cycles = contract_cycles(t, through=D(2024, 12, 31))
    assert spans(cycles)[-1] == ("2024-10-01", "2024-12-31")
    assert not any(c.truncated for c in cycles)
    assert term_end_on(t, D(2024, 3, 31)) == D(2024, 3, 31)
    assert term_end_on(t, D(2024, 4, 5)) == D(2024, 6, 30)
    assert term_end_on(t, D(2024, 12, 31)) == D(2024, 12, 31)
    yearly = terms(
        frequency="monthly", start=D(2023, 3, 1), end=D(2024, 2, 29), auto_renew=True, renewal_term_months=12
    )
    assert term_end_on(yearly, D(2024, 3, 1)) == D(2025, 2, 28)
    assert term_end_on(terms(end=None), D(2030, 1, 1)) is None


def test_cycle_starting_and_containing() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 31))
    assert cycle_starting(t, D(2024, 4, 30)) == Cycle(1, D(2024, 4, 30), D(2024, 7, 30), D(2024, 7, 30))
    assert cycle_starting(t, D(2024, 5, 1)) is None
    assert cycle_starting(t, D(2023, 10, 31)) is None
    assert cycle_containing(t, D(2024, 7, 30)) == Cycle(1, D(2024, 4, 30), D(2024, 7, 30), D(2024, 7, 30))
    assert cycle_containing(t, D(2024, 7, 31)).index == 2  # type: ignore[union-attr]
    assert cycle_containing(t, D(2024, 1, 30)) is None
    assert contract_cycles(terms(type="non_recurring", frequency=None), through=D(2030, 1, 1)) == []


def test_generation_dates_with_offsets() -> None:
    cycle = Cycle(1, D(2024, 4, 1), D(2024, 6, 30), D(2024, 6, 30))
    assert generation_date(terms(frequency="quarterly"), cycle) == D(2024, 4, 2)
    assert generation_date(terms(frequency="quarterly", invoice_offset_days=3), cycle) == D(2024, 4, 4)
    assert generation_date(terms(frequency="quarterly", invoice_offset_days=-3), cycle) == D(2024, 3, 29)
    arrears = terms(frequency="quarterly", policy="arrears", invoice_offset_days=-3)
    assert generation_date(arrears, cycle) == D(2024, 6, 27)
    truncated = Cycle(1, D(2024, 4, 1), D(2024, 5, 15), D(2024, 6, 30))
    assert generation_date(terms(frequency="quarterly", policy="arrears"), truncated) == D(2024, 5, 16)


def test_invoice_and_due_dates() -> None:
    cycle = Cycle(1, D(2024, 4, 1), D(2024, 6, 30), D(2024, 6, 30))
    cyc, gen = BillingSettings(), BillingSettings(invoice_date_basis="generation")
    adv = terms(frequency="quarterly", invoice_offset_days=3)
    arr = terms(frequency="quarterly", policy="arrears")
    today = D(2024, 4, 9)
    assert invoice_date_for(adv, cycle, kind="regular", generated_on=today, settings=cyc) == D(2024, 4, 1)
    assert invoice_date_for(arr, cycle, kind="regular", generated_on=today, settings=cyc) == D(2024, 6, 30)
    # basis generation: the day the document is created (a catch-up is dated the day it ran)
    assert invoice_date_for(adv, cycle, kind="regular", generated_on=D(2024, 4, 4), settings=gen) == D(
        2024, 4, 4
    )
    assert invoice_date_for(adv, cycle, kind="regular", generated_on=today, settings=gen) == today
    assert invoice_date_for(arr, cycle, kind="regular", generated_on=D(2024, 7, 3), settings=gen) == D(
        2024, 7, 3
    )
    for kind in ("change_log", "manual", "credit_note"):
        assert invoice_date_for(adv, cycle, kind=kind, generated_on=today, settings=cyc) == today
    expected = {"due_on_receipt": 0, "net15": 15, "net30": 30, "net45": 45, "net60": 60, "net90": 90}
    for name, days in expected.items():
        assert (due_date_for(terms(payment_terms=name), D(2024, 1, 1)) - D(2024, 1, 1)).days == days


def test_due_cycles_catch_up_oldest_first() -> None:
    t = terms(frequency="monthly", start=D(2024, 1, 1))
    due = due_cycles(t, run_date=D(2024, 3, 15), invoiced_starts=frozenset({D(2024, 1, 1)}))
    assert [c.start for c in due] == [D(2024, 2, 1), D(2024, 3, 1)]
    assert due_cycles(t, run_date=D(2024, 1, 1), invoiced_starts=frozenset()) == []
    early = terms(frequency="monthly", start=D(2024, 1, 1), invoice_offset_days=-3)
    due = due_cycles(early, run_date=D(2024, 1, 29), invoiced_starts=frozenset({D(2024, 1, 1)}))
    assert [c.start for c in due] == [D(2024, 2, 1)]
    arrears = terms(frequency="monthly", start=D(2024, 1, 1), policy="arrears")
    assert [c.start for c in due_cycles(arrears, run_date=D(2024, 2, 1), invoiced_starts=frozenset())] == [
        D(2024, 1, 1)
    ]
    assert due_cycles(arrears, run_date=D(2024, 1, 31), invoiced_starts=frozenset()) == []


def test_is_change_log_day() -> None:
    friday, saturday = D(2024, 1, 5), D(2024, 1, 6)
    s = BillingSettings()
    weekly = terms(frequency="annual", change_log_invoices="weekly")
    assert is_change_log_day(weekly, friday, s) and not is_change_log_day(weekly, saturday, s)
    assert is_change_log_day(weekly, saturday, BillingSettings(change_log_weekday=5))
    monthly = terms(frequency="annual", change_log_invoices="monthly")
    assert is_change_log_day(monthly, D(2024, 2, 1), s) and not is_change_log_day(monthly, friday, s)
    assert not is_change_log_day(terms(change_log_invoices="off"), friday, s)
