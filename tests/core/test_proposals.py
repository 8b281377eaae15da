# SPDX-License-Identifier: AGPL-3.0-or-later
"""propose_regular / propose_change_log / propose_non_recurring on hand-built snapshots."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from seatline.core import (
    billed_lines_of,
    check_proposal,
    cycle_starting,
    propose_non_recurring,
    propose_regular,
)
from seatline.core.types import (
    BillingSettings,
    CoreError,
    Cycle,
    InvariantViolation,
    ProposedTax,
)
from tests.core.factories import D, change, key, sub, terms
from tests.core.proposing import NO_TAX, QUARTERLY, S, cli, nri, regular, usage


def test_truncated_last_cycle_is_prorated() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), end=D(2024, 5, 15))
    s = sub([change(D(2024, 1, 1), 10)])
    billed = billed_lines_of(regular(t, D(2024, 1, 1), [s]))
    p = regular(t, D(2024, 4, 1), [s], billed=billed, invoiced=[D(2024, 1, 1)])
    assert key(p) == [("proration", 1, "2024-04-01", "2024-05-15", "10", "178.06")]


def test_triennial_unit_price() -> None:
    t = terms(frequency="triennial", start=D(2024, 1, 1))
    s = sub([change(D(2024, 7, 1), 2, "360.00", "create")], unit_months=36)
    assert key(regular(t, D(2024, 1, 1), [s])) == [
        ("proration", 1, "2024-07-01", "2026-12-31", "2", "600.00")
    ]
    s = sub([change(D(2024, 1, 1), 2, "360.00", "create")], unit_months=36)
    assert key(regular(t, D(2024, 1, 1), [s])) == [
        ("recurring", 1, "2024-01-01", "2026-12-31", "2", "720.00")
    ]


def test_segments_of_constant_quantity_and_price_in_the_cycle() -> None:
    # a catch-up run on Jan 20 knows the increase of Jan 11 and the price change of Jan 21 is not yet known
    s = sub(
        [change(D(2024, 1, 1), 10), change(D(2024, 1, 11), 5), change(D(2024, 1, 21), 0, "15.00", "price")]
    )
    p = regular(terms(), D(2024, 1, 1), [s], today=D(2024, 1, 25))
    assert key(p) == [
        ("proration", 1, "2024-01-01", "2024-01-10", "10", "38.71"),
        ("proration", 1, "2024-01-11", "2024-01-20", "15", "58.06"),
        ("proration", 1, "2024-01-21", "2024-01-31", "15", "79.84"),
    ]


def test_jpy_and_kwd_lines() -> None:
    jpy = terms(currency="JPY")
    p = regular(jpy, D(2024, 1, 1), [sub([change(D(2024, 1, 11), 7, "1000")])])
    assert key(p) == [("proration", 1, "2024-01-11", "2024-01-31", "7", "4742")]
    kwd = terms(currency="KWD")
    p = regular(kwd, D(2024, 1, 1), [sub([change(D(2024, 1, 11), 3, "12.345")])])
    assert key(p) == [("proration", 1, "2024-01-11", "2024-01-31", "3", "25.088")]


def test_usage_markup_and_minimum_commitment() -> None:
    t = terms(minimum_commitment=Decimal("150.00"))
    azure = sub([change(D(2024, 1, 1), 1, "0")], id=9, kind="usage")
    p = regular(t, D(2024, 2, 1), [azure], usage=[usage(1, "85.00", "17.647")], invoiced=[D(2024, 1, 1)])
    assert [
        (line.type, line.subscription_id, str(line.amount), line.period_start, line.period_end)
        for line in p.lines
    ] == [
        ("usage", 9, "100.00", D(2024, 1, 1), D(2024, 1, 31)),
        ("minimum_commitment", None, "50.00", D(2024, 2, 1), D(2024, 2, 29)),
    ]
    assert all(line.taxable for line in p.lines)
    over = regular(
        t, D(2024, 2, 1), [azure], usage=[usage(1, "100.00"), usage(2, "60.00")], invoiced=[D(2024, 1, 1)]
    )
    assert [line.type for line in over.lines] == ["usage", "usage"]
    nothing = regular(t, D(2024, 2, 1), [azure], invoiced=[D(2024, 1, 1)])
    assert key(nothing) == [("minimum_commitment", None, "2024-02-01", "2024-02-29", "1", "150.00")]
    assert regular(terms(), D(2024, 2, 1), [azure], invoiced=[D(2024, 1, 1)]).empty


def test_nri_eligibility() -> None:
    s = sub([change(D(2024, 1, 1), 10)])
    monthly = terms(change_log_invoices="weekly")
    billed = billed_lines_of(regular(monthly, D(2024, 1, 1), [s]))
    items = [nri(1, D(2024, 1, 10)), nri(2, D(2024, 2, 3))]
    # monthly contracts: NRIs wait for the regular invoice, and only those dated on or before today
    assert cli(monthly, [s], today=D(2024, 1, 12), billed=billed, invoiced=[D(2024, 1, 1)], nris=items).empty
    feb = regular(monthly, D(2024, 2, 1), [s], billed=billed, invoiced=[D(2024, 1, 1)], nris=items)
    assert [line.nri_id for line in feb.lines if line.type == "nri"] == [1]
    # other frequencies: the next CLI or regular invoice
    q = QUARTERLY
    qbilled = billed_lines_of(regular(q, D(2024, 1, 1), [s]))
    c = cli(q, [s], today=D(2024, 2, 2), billed=qbilled, invoiced=[D(2024, 1, 1)], nris=items)
    assert [(line.nri_id, str(line.amount), line.subscription_id, line.period_start) for line in c.lines] == [
        (1, "150.00", None, None)
    ]
    assert (c.kind, c.invoice_date, c.due_date, c.cycle) == (
        "change_log",
        D(2024, 2, 2),
        D(2024, 3, 3),
        None,
    )


def test_non_recurring_contract() -> None:
    t = terms(type="non_recurring", frequency=None, start=D(2024, 3, 1))
    items = [nri(1, D(2024, 3, 3), "99.995"), nri(2, D(2024, 3, 4))]
    assert propose_non_recurring(t, nris=items, taxes=NO_TAX, settings=S, today=D(2024, 3, 3)).empty
    p = propose_non_recurring(t, nris=items, taxes=NO_TAX, settings=S, today=D(2024, 3, 4))
    assert (p.kind, p.invoice_date, p.due_date, p.cycle) == ("regular", D(2024, 3, 4), D(2024, 4, 3), None)
    assert [(line.nri_id, str(line.amount), str(line.unit_price)) for line in p.lines] == [
        (1, "100.00", "99.9950")
    ]


def test_manual_run_carries_its_generation_date() -> None:
    s = sub([change(D(2024, 7, 1), 10)])  # nothing in force in the invoiced cycles
    p = regular(
        QUARTERLY,
        D(2024, 7, 1),
        [s],
        today=D(2024, 6, 3),
        kind="manual",
        invoiced=[D(2024, 1, 1), D(2024, 4, 1)],
    )
    assert (p.kind, p.invoice_date, p.due_date) == ("manual", D(2024, 6, 3), D(2024, 7, 3))
    assert key(p) == [("recurring", 1, "2024-07-01", "2024-09-30", "10", "360.00")]


def test_refusals() -> None:
    s = sub([change(D(2024, 1, 1), 10)])
    with pytest.raises(CoreError) as error:
        regular(QUARTERLY, D(2024, 1, 1), [s], invoiced=[D(2024, 1, 1)])
    assert error.value.code == "cycle_already_invoiced"
    with pytest.raises(CoreError) as error:
        propose_regular(
            QUARTERLY,
            Cycle(0, D(2024, 1, 2), D(2024, 4, 1), D(2024, 4, 1)),
            subscriptions=[s],
            billed=(),
            invoiced_starts=frozenset(),
            nris=(),
            usage=(),
            taxes=NO_TAX,
            settings=S,
            today=D(2024, 1, 3),
        )
    assert error.value.code == "no_such_cycle"


def test_invariants_refuse_billing_a_day_twice() -> None:
    s = sub([change(D(2024, 1, 1), 10)])
    billed = billed_lines_of(regular(terms(), D(2024, 1, 1), [s]))
    with pytest.raises(InvariantViolation):
        # the service forgot to tell the core that January is invoiced
        regular(terms(), D(2024, 1, 1), [s], billed=billed)


def test_usage_subscriptions_and_zero_quantities_make_no_lines() -> None:
    azure = sub([change(D(2024, 1, 1), 1, "10.00")], kind="usage")
    gone = sub([change(D(2023, 12, 1), 5), change(D(2023, 12, 20), -5, kind="deactivate")], id=2)
    assert regular(terms(), D(2024, 1, 1), [azure, gone]).empty


def test_jan_31_anchor_measures_days_against_anchored_months() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 31))
    # starts on May 15: 16 days of the month Apr 30..May 30 (31 days), then two whole months
    s = sub([change(D(2024, 5, 15), 10)])
    p = regular(t, D(2024, 4, 30), [s], today=D(2024, 5, 20), invoiced=[D(2024, 1, 31)])
    assert key(p) == [("proration", 1, "2024-05-15", "2024-07-30", "10", "301.94")]  # 120 * (16/31 + 2)
    assert (p.invoice_date, p.due_date) == (D(2024, 4, 30), D(2024, 5, 30))


def test_generation_basis_dates_a_catch_up_on_the_day_it_ran() -> None:
    # scheduled for Jan 4 (start + 3), caught up on Jan 9: dated Jan 9, due 30 days later
    s = sub([change(D(2024, 1, 1), 10)])
    cycle = cycle_starting(QUARTERLY, D(2024, 1, 1))
    assert cycle is not None
    p = propose_regular(
        replace(QUARTERLY, invoice_offset_days=3),
        cycle,
        subscriptions=[s],
        billed=(),
        invoiced_starts=frozenset(),
        nris=(),
        usage=(),
        taxes=NO_TAX,
        settings=BillingSettings(invoice_date_basis="generation"),
        today=D(2024, 1, 9),
    )
    assert (p.generated_on, p.invoice_date, p.due_date) == (D(2024, 1, 9), D(2024, 1, 9), D(2024, 2, 8))


def test_check_proposal_rejects_a_tampered_document() -> None:
    s = sub([change(D(2024, 1, 1), 10)])
    p = regular(terms(), D(2024, 1, 1), [s])
    cycle = cycle_starting(terms(), D(2024, 1, 1))
    doubled = replace(p, lines=p.lines + p.lines)
    with pytest.raises(InvariantViolation):
        check_proposal(terms(), doubled, subscriptions=[s], billed=(), invoiced=(), cycle=cycle, taxes=NO_TAX)
    wrong_tax = replace(p, taxes=(ProposedTax("VAT", Decimal("10"), Decimal("1.00")),))
    with pytest.raises(InvariantViolation):
        check_proposal(
            terms(), wrong_tax, subscriptions=[s], billed=(), invoiced=(), cycle=cycle, taxes=NO_TAX
        )
    check_proposal(terms(), p, subscriptions=[s], billed=(), invoiced=(), cycle=cycle, taxes=NO_TAX)


def test_auto_renew_contract_keeps_billing_full_cycles() -> None:
    t = terms(frequency="annual", start=D(2023, 1, 1), end=D(2023, 12, 31), auto_renew=True)
    s = sub([change(D(2023, 1, 1), 5, "120.00", "create")], unit_months=12)
    billed = billed_lines_of(regular(t, D(2023, 1, 1), [s]))
    p = regular(t, D(2024, 1, 1), [s], billed=billed, invoiced=[D(2023, 1, 1)])
    assert key(p) == [("recurring", 1, "2024-01-01", "2024-12-31", "5", "600.00")]
    ended = replace(t, auto_renew=False)
    assert cycle_starting(ended, D(2024, 1, 1)) is None
