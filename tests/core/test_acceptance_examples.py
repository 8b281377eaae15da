# SPDX-License-Identifier: AGPL-3.0-or-later
"""The three acceptance examples (shared/acceptance/*.yaml), reproduced with hand-built snapshots."""

from __future__ import annotations

from decimal import Decimal

from seatline.core.types import (
    BillingSettings,
    NonRecurringCharge,
    Proposal,
    TaxContext,
    TaxRate,
)
from tests.core.factories import D, Driver, Known, change, key, sub, terms


def header(p: Proposal) -> tuple[str, str, str, str, str, str, str]:
    return (
        p.kind,
        str(p.generated_on),
        str(p.invoice_date),
        str(p.due_date),
        str(p.subtotal),
        str(p.tax),
        str(p.total),
    )


def test_01_quarterly_proration() -> None:
    contract = terms(frequency="quarterly", start=D(2018, 1, 1), end=D(2018, 12, 31))
    o365 = sub([change(D(2018, 1, 15), 10, "12.00", "create")], id=7)
    driver = Driver(contract, [(o365, [Known(D(2018, 1, 1), c) for c in o365.changes])])
    docs = driver.run(D(2018, 1, 1), D(2018, 12, 31))
    assert [header(d) for d in docs] == [
        ("regular", "2018-01-02", "2018-01-01", "2018-01-31", "305.81", "0", "305.81"),
        ("regular", "2018-04-02", "2018-04-01", "2018-05-01", "360.00", "0", "360.00"),
        ("regular", "2018-07-02", "2018-07-01", "2018-07-31", "360.00", "0", "360.00"),
        ("regular", "2018-10-02", "2018-10-01", "2018-10-31", "360.00", "0", "360.00"),
    ]
    assert key(docs[0]) == [("proration", 7, "2018-01-15", "2018-03-31", "10", "305.81")]
    assert key(docs[1]) == [("recurring", 7, "2018-04-01", "2018-06-30", "10", "360.00")]
    assert key(docs[2]) == [("recurring", 7, "2018-07-01", "2018-09-30", "10", "360.00")]
    assert key(docs[3]) == [("recurring", 7, "2018-10-01", "2018-12-31", "10", "360.00")]
    assert docs[0].lines[0].unit_price == Decimal("12.0000")


def test_02_monthly_increase_and_refund() -> None:
    contract = terms(frequency="monthly", start=D(2024, 4, 1), process_refunds="yes")
    m365 = sub([], id=3)
    known = [
        Known(D(2024, 4, 1), change(D(2024, 4, 1), 10, "12.00", "create", id=1)),
        Known(D(2024, 4, 11), change(D(2024, 4, 11), 5, "12.00", "increase", id=2)),
        # deactivation on May 21 (refund chosen): stored effective the day after
        Known(D(2024, 5, 21), change(D(2024, 5, 22), -15, "12.00", "deactivate", refund=True, id=3)),
    ]
    driver = Driver(contract, [(m365, known)])
    docs = driver.run(D(2024, 4, 1), D(2024, 6, 30))
    assert [header(d) for d in docs] == [
        ("regular", "2024-04-02", "2024-04-01", "2024-05-01", "120.00", "0", "120.00"),
        ("regular", "2024-05-02", "2024-05-01", "2024-05-31", "220.00", "0", "220.00"),
        ("regular", "2024-06-02", "2024-06-01", "2024-07-01", "-58.06", "0", "-58.06"),
    ]
    assert key(docs[0]) == [("recurring", 3, "2024-04-01", "2024-04-30", "10", "120.00")]
    assert key(docs[1]) == [
        ("proration", 3, "2024-04-11", "2024-04-30", "5", "40.00"),
        ("recurring", 3, "2024-05-01", "2024-05-31", "15", "180.00"),
    ]
    assert key(docs[2]) == [("credit", 3, "2024-05-22", "2024-05-31", "-15", "-58.06")]


def test_03_annual_window_nri_tax() -> None:
    contract = terms(
        frequency="annual", start=D(2024, 1, 1), payment_terms="net15", change_log_invoices="weekly"
    )
    e3 = sub([], id=5, unit_months=12)
    known = [
        Known(D(2024, 1, 1), change(D(2024, 1, 1), 20, "120.00", "create", id=1)),
        Known(D(2024, 1, 5), change(D(2024, 1, 5), -2, "120.00", "decrease", refund=True, id=2)),
        # 2024-01-20: the decrease to 15 is refused (qrb_violation), no LCL
        Known(D(2024, 2, 6), change(D(2024, 2, 6), 7, "120.00", "increase", id=3)),
    ]
    taxes = TaxContext(rates=(TaxRate("State", Decimal("5")), TaxRate("County", Decimal("3"))))
    setup = NonRecurringCharge(
        id=1,
        description="Onboarding",
        quantity=Decimal("1"),
        unit_price=Decimal("150.00"),
        date=D(2024, 2, 7),
    )
    driver = Driver(contract, [(e3, known)], settings=BillingSettings(generate_refunds=True), taxes=taxes)
    driver.nris.append(setup)
    docs = driver.run(D(2024, 1, 1), D(2024, 2, 29))
    assert [header(d) for d in docs] == [
        ("regular", "2024-01-02", "2024-01-01", "2024-01-16", "2400.00", "192.00", "2592.00"),
        ("change_log", "2024-01-05", "2024-01-05", "2024-01-20", "-237.42", "-18.99", "-256.41"),
        ("change_log", "2024-02-09", "2024-02-09", "2024-02-24", "907.93", "72.64", "980.57"),
    ]
    assert key(docs[0]) == [("recurring", 5, "2024-01-01", "2024-12-31", "20", "2400.00")]
    assert key(docs[1]) == [("credit", 5, "2024-01-05", "2024-12-31", "-2", "-237.42")]
    assert [(t.name, str(t.amount)) for t in docs[1].taxes] == [("State", "-11.87"), ("County", "-7.12")]
    assert key(docs[2]) == [
        ("nri", None, None, None, "1", "150.00"),
        ("proration", 5, "2024-02-06", "2024-12-31", "7", "757.93"),
    ]
    assert [(t.name, str(t.amount)) for t in docs[2].taxes] == [("State", "45.40"), ("County", "27.24")]
