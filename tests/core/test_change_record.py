# SPDX-License-Identifier: AGPL-3.0-or-later
"""Change lines fixed when the change is recorded (docs/billing.md 6): `lines_for_change` on
hand-built snapshots, and the documents that carry them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline.core import billed_lines_of, lines_for_change
from seatline.core.types import CoreError
from tests.core.factories import D, change, key, line_key, sub, terms
from tests.core.proposing import QUARTERLY, Record, cli, nri, regular, usage


def test_arrears_bills_the_actual_timeline_without_credits() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), policy="arrears")
    s = sub([change(D(2024, 1, 1), 10), change(D(2024, 2, 16), -6, refund=True)])
    p = regular(t, D(2024, 1, 1), [s], today=D(2024, 4, 1))
    assert (p.invoice_date, p.due_date) == (D(2024, 3, 31), D(2024, 4, 30))
    assert key(p) == [
        ("proration", 1, "2024-01-01", "2024-02-15", "10", "182.07"),
        ("proration", 1, "2024-02-16", "2024-03-31", "4", "71.17"),
    ]
    # a backdated increase into the invoiced cycle is charged; a backdated decrease never credits
    record = Record(t, p)
    up = sub([*s.changes, change(D(2024, 3, 1), 2, id=10)])
    assert line_key(record.change(up, 10, [D(2024, 1, 1)])) == [
        ("proration", 1, "2024-03-01", "2024-03-31", "2", "24.00")
    ]
    down = sub([*up.changes, change(D(2024, 3, 20), -1, refund=True, id=11)])
    assert record.change(down, 11, [D(2024, 1, 1)]) == ()
    q = regular(
        t,
        D(2024, 4, 1),
        [down],
        today=D(2024, 7, 1),
        billed=record.billed,
        invoiced=[D(2024, 1, 1)],
        pending=record.pending,
    )
    assert key(q) == [
        ("proration", 1, "2024-03-01", "2024-03-31", "2", "24.00"),
        ("recurring", 1, "2024-04-01", "2024-06-30", "5", "180.00"),
    ]


def test_months_unit_snaps_starts_and_ends() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), prorate_unit="months", process_refunds="yes")
    early = sub([change(D(2024, 1, 15), 10)], id=1)
    late = sub([change(D(2024, 2, 15), 10)], id=2)
    p = regular(t, D(2024, 1, 1), [early, late], today=D(2024, 2, 20))
    assert key(p) == [
        ("proration", 2, "2024-02-01", "2024-03-31", "10", "240.00"),
        ("recurring", 1, "2024-01-01", "2024-03-31", "10", "360.00"),
    ]
    record = Record(t, p)
    # an increase counts from the first day of its month, a refunded decrease from the next month
    up = sub([*early.changes, change(D(2024, 2, 10), 5, id=5)], id=1)
    down = sub([*late.changes, change(D(2024, 2, 20), -4, refund=True, id=6)], id=2)
    assert line_key(record.change(up, 5, [D(2024, 1, 1)])) == [
        ("proration", 1, "2024-02-01", "2024-03-31", "5", "120.00")
    ]
    assert line_key(record.change(down, 6, [D(2024, 1, 1)])) == [
        ("credit", 2, "2024-03-01", "2024-03-31", "-4", "-48.00")
    ]
    c = record.document(
        cli(
            t,
            [up, down],
            today=D(2024, 2, 23),
            billed=record.billed,
            invoiced=[D(2024, 1, 1)],
            pending=record.pending,
        )
    )
    assert key(c) == [
        ("credit", 2, "2024-03-01", "2024-03-31", "-4", "-48.00"),
        ("proration", 1, "2024-02-01", "2024-03-31", "5", "120.00"),
    ]
    # a price change applies from the next anchored month
    priced = sub([*early.changes, change(D(2024, 4, 10), 0, "15.00", "price", id=7)], id=1)
    q = regular(
        t, D(2024, 4, 1), [priced], today=D(2024, 4, 20), billed=billed_lines_of(p), invoiced=[D(2024, 1, 1)]
    )
    assert key(q) == [
        ("proration", 1, "2024-04-01", "2024-04-30", "10", "120.00"),
        ("proration", 1, "2024-05-01", "2024-06-30", "10", "300.00"),
    ]


def test_change_lines_per_invoiced_cycle_with_negative_offset() -> None:
    t = terms(invoice_offset_days=-3)
    base = sub([change(D(2024, 1, 1), 10)])
    jan = regular(t, D(2024, 1, 1), [base], today=D(2023, 12, 29))
    feb = regular(
        t, D(2024, 2, 1), [base], today=D(2024, 1, 29), billed=billed_lines_of(jan), invoiced=[D(2024, 1, 1)]
    )
    record = Record(t, jan, feb)
    up = sub([*base.changes, change(D(2024, 1, 30), 2, id=5)])
    # recorded on Jan 30: January and February are invoiced, one line per cycle
    assert line_key(record.change(up, 5, [D(2024, 1, 1), D(2024, 2, 1)])) == [
        ("proration", 1, "2024-01-30", "2024-01-31", "2", "1.55"),
        ("proration", 1, "2024-02-01", "2024-02-29", "2", "24.00"),
    ]
    mar = regular(
        t,
        D(2024, 3, 1),
        [up],
        today=D(2024, 2, 27),
        billed=record.billed,
        invoiced=[D(2024, 1, 1), D(2024, 2, 1)],
        pending=record.pending,
    )
    assert key(mar) == [
        ("proration", 1, "2024-01-30", "2024-01-31", "2", "1.55"),
        ("proration", 1, "2024-02-01", "2024-02-29", "2", "24.00"),
        ("recurring", 1, "2024-03-01", "2024-03-31", "12", "144.00"),
    ]
    assert [line.change_line_id for line in mar.lines] == [100, 101, None]


def test_no_refund_keeps_paid_seats_and_a_later_increase_up_to_them_is_free() -> None:
    t = terms(frequency="annual", start=D(2024, 1, 1), change_log_invoices="weekly")
    base = sub([change(D(2024, 1, 1), 20, "120.00", "create")], unit_months=12)
    record = Record(t, regular(t, D(2024, 1, 1), [base]))
    invoiced = [D(2024, 1, 1)]
    down = sub([*base.changes, change(D(2024, 1, 5), -2, "120.00", refund=False, id=2)], unit_months=12)
    assert record.change(down, 2, invoiced) == ()
    back = sub([*down.changes, change(D(2024, 2, 6), 1, "120.00", id=3)], unit_months=12)
    assert record.change(back, 3, invoiced) == ()
    up = sub([*back.changes, change(D(2024, 2, 7), 6, "120.00", id=4)], unit_months=12)
    assert line_key(record.change(up, 4, invoiced)) == [
        ("proration", 1, "2024-02-07", "2024-12-31", "5", "539.66")
    ]


def test_a_line_is_one_change_difference_never_a_sum_of_changes() -> None:
    # docs/billing.md 6: billed 25, a decrease to 20 without refund (no line), then an increase to
    # 27: one line of +2
    t = terms(frequency="annual", start=D(2024, 1, 1), change_log_invoices="monthly")
    base = sub([change(D(2024, 1, 1), 15, "36.00", "create")], unit_months=12)
    record = Record(t, regular(t, D(2024, 1, 1), [base]))
    invoiced = [D(2024, 1, 1)]
    plus = sub([*base.changes, change(D(2024, 1, 10), 10, "36.00", id=2)], unit_months=12)
    # 10 x 3.00 x (22/31 + 11) = 351.29..
    assert line_key(record.change(plus, 2, invoiced)) == [
        ("proration", 1, "2024-01-10", "2024-12-31", "10", "351.29")
    ]
    down = sub([*plus.changes, change(D(2024, 1, 20), -5, "36.00", refund=False, id=3)], unit_months=12)
    assert record.change(down, 3, invoiced) == ()
    up = sub([*down.changes, change(D(2024, 3, 1), 7, "36.00", id=4)], unit_months=12)
    # 2 x 3.00 x 10 = 60.00
    assert line_key(record.change(up, 4, invoiced)) == [
        ("proration", 1, "2024-03-01", "2024-12-31", "2", "60.00")
    ]
    # whatever day the change-log invoice runs, it carries exactly those two lines
    c = cli(t, [up], today=D(2024, 3, 1), billed=record.billed, invoiced=invoiced, pending=record.pending)
    assert key(c) == [
        ("proration", 1, "2024-01-10", "2024-12-31", "10", "351.29"),
        ("proration", 1, "2024-03-01", "2024-12-31", "2", "60.00"),
    ]


def test_credits_use_the_billed_price_layers_most_recent_first() -> None:
    t = terms(change_log_invoices="weekly")
    base = sub([change(D(2024, 1, 1), 10)])
    record = Record(t, regular(t, D(2024, 1, 1), [base]))
    invoiced = [D(2024, 1, 1)]
    # a price change never re-prices invoiced days; the increase is charged at the new price
    priced = sub([*base.changes, change(D(2024, 1, 10), 0, "15.00", "price", id=2)])
    assert record.change(priced, 2, invoiced) == ()
    up = sub([*priced.changes, change(D(2024, 1, 11), 5, "15.00", id=3)])
    assert line_key(record.change(up, 3, invoiced)) == [
        ("proration", 1, "2024-01-11", "2024-01-31", "5", "50.81")
    ]
    down = sub([*up.changes, change(D(2024, 1, 21), -8, "15.00", refund=True, id=4)])
    credits = record.change(down, 4, invoiced)
    assert line_key(credits) == [
        ("credit", 1, "2024-01-21", "2024-01-31", "-3", "-12.77"),
        ("credit", 1, "2024-01-21", "2024-01-31", "-5", "-26.61"),
    ]
    assert sorted(str(line.unit_price) for line in credits) == ["12.0000", "15.0000"]
    # a later change finds nothing left to bill, whatever the order of one document's lines
    again = sub([*down.changes, change(D(2024, 1, 25), 0, "15.00", "price", id=5)])
    assert record.change(again, 5, invoiced) == ()
    shuffled = record.billed[:-2] + record.billed[:-3:-1]
    assert (
        lines_for_change(
            t,
            invoiced_starts=frozenset(invoiced),
            subscription=again,
            change=again.changes[-1],
            billed=shuffled,
        )
        == ()
    )


def test_credits_split_where_the_billed_layers_change() -> None:
    # January is billed 10 x 12.00 to Jan 20 and 10 x 15.00 from Jan 21 (a price change known
    # at generation); a backdated price change to 15.00 from Jan 10 leaves the timeline without
    # a step on Jan 21, but the layers still change there
    t = terms(process_refunds="yes")
    priced = sub([change(D(2024, 1, 1), 10), change(D(2024, 1, 21), 0, "15.00", "price", id=2)])
    jan = regular(t, D(2024, 1, 1), [priced], today=D(2024, 1, 25))
    assert key(jan) == [
        ("proration", 1, "2024-01-01", "2024-01-20", "10", "77.42"),
        ("proration", 1, "2024-01-21", "2024-01-31", "10", "53.23"),
    ]
    record = Record(t, jan)
    invoiced = [D(2024, 1, 1)]
    back = sub([*priced.changes, change(D(2024, 1, 10), 0, "15.00", "price", id=3)])
    assert record.change(back, 3, invoiced) == ()
    down = sub([*back.changes, change(D(2024, 1, 15), -2, "15.00", refund=True, id=4)])
    # 2 x 12 x 6/31 = 4.645.. and 2 x 15 x 11/31 = 10.645..
    assert line_key(record.change(down, 4, invoiced)) == [
        ("credit", 1, "2024-01-15", "2024-01-20", "-2", "-4.65"),
        ("credit", 1, "2024-01-21", "2024-01-31", "-2", "-10.65"),
    ]


def test_rerun_bills_nothing_twice() -> None:
    t = QUARTERLY
    base = sub([change(D(2024, 1, 1), 10)])
    record = Record(t, regular(t, D(2024, 1, 1), [base]))
    s = sub([*base.changes, change(D(2024, 2, 10), 3, id=2)])
    assert line_key(record.change(s, 2, [D(2024, 1, 1)])) == [
        ("proration", 1, "2024-02-10", "2024-03-31", "3", "60.83")
    ]
    # computing the same change's lines again against the record finds nothing left
    assert record.change(s, 2, [D(2024, 1, 1)]) == ()
    c = record.document(
        cli(
            t,
            [s],
            today=D(2024, 2, 16),
            billed=record.billed,
            invoiced=[D(2024, 1, 1)],
            pending=record.pending,
        )
    )
    assert key(c) == [("proration", 1, "2024-02-10", "2024-03-31", "3", "60.83")]
    assert cli(
        t, [s], today=D(2024, 2, 23), billed=record.billed, invoiced=[D(2024, 1, 1)], pending=record.pending
    ).empty


def test_deactivation_refund_only_when_chosen() -> None:
    t = terms(process_refunds="yes")
    base = sub([change(D(2024, 5, 1), 15)])
    may = regular(t, D(2024, 5, 1), [base])
    kept = sub([*base.changes, change(D(2024, 5, 22), -15, kind="deactivate", refund=False, id=2)])
    record = Record(t, may)
    assert record.change(kept, 2, [D(2024, 5, 1)]) == ()
    assert regular(t, D(2024, 6, 1), [kept], billed=record.billed, invoiced=[D(2024, 5, 1)]).empty
    refunded = sub([*base.changes, change(D(2024, 5, 22), -15, kind="deactivate", refund=True, id=2)])
    record = Record(t, may)
    assert line_key(record.change(refunded, 2, [D(2024, 5, 1)])) == [
        ("credit", 1, "2024-05-22", "2024-05-31", "-15", "-58.06")
    ]
    june = regular(
        t, D(2024, 6, 1), [refunded], billed=record.billed, invoiced=[D(2024, 5, 1)], pending=record.pending
    )
    assert key(june) == [("credit", 1, "2024-05-22", "2024-05-31", "-15", "-58.06")]
    assert june.total == Decimal("-58.06")
    # reactivated on Jun 10, before June's (late) invoice: June bills it from then on
    back = sub([*refunded.changes, change(D(2024, 6, 10), 15, kind="activate", id=3)])
    assert record.change(back, 3, [D(2024, 5, 1)]) == ()
    june = regular(
        t,
        D(2024, 6, 1),
        [back],
        today=D(2024, 6, 12),
        billed=record.billed,
        invoiced=[D(2024, 5, 1)],
        pending=record.pending,
    )
    assert key(june) == [
        ("credit", 1, "2024-05-22", "2024-05-31", "-15", "-58.06"),
        ("proration", 1, "2024-06-10", "2024-06-30", "15", "126.00"),
    ]


def test_discount_applies_to_subscription_lines_only() -> None:
    t = terms(
        frequency="annual", start=D(2024, 1, 1), discount_percent=Decimal("10"), change_log_invoices="weekly"
    )
    base = sub([change(D(2024, 1, 1), 20, "120.00", "create")], unit_months=12)
    p = regular(
        t, D(2024, 1, 1), [base], nris=[nri(1, D(2024, 1, 1), "150.00", "20")], usage=[usage(1, "100.00")]
    )
    assert [(line.type, str(line.amount), str(line.discount)) for line in p.lines] == [
        ("recurring", "2400.00", "240.00"),
        ("nri", "150.00", "30.00"),
        ("usage", "100.00", "0.00"),
    ]
    assert p.subtotal == Decimal("2380.00")
    down = sub([*base.changes, change(D(2024, 1, 5), -2, "120.00", refund=True, id=2)], unit_months=12)
    lines = Record(t, p).change(down, 2, [D(2024, 1, 1)])
    assert [(str(line.amount), str(line.discount), str(line.net)) for line in lines] == [
        ("-237.42", "-23.74", "-213.68")
    ]


def test_change_log_refused_while_an_earlier_cycle_is_not_invoiced() -> None:
    base = sub([change(D(2024, 1, 1), 10)])
    q1 = regular(QUARTERLY, D(2024, 1, 1), [base])
    q3 = regular(
        QUARTERLY,
        D(2024, 7, 1),
        [base],
        today=D(2024, 6, 3),
        kind="manual",
        invoiced=[D(2024, 1, 1)],
        billed=billed_lines_of(q1),
    )
    invoiced = [D(2024, 1, 1), D(2024, 7, 1)]
    record = Record(QUARTERLY, q1, q3)
    late = sub([*base.changes, change(D(2024, 7, 10), 2, id=2)])
    assert line_key(record.change(late, 2, invoiced)) == [
        ("proration", 1, "2024-07-10", "2024-09-30", "2", "65.03")
    ]
    with pytest.raises(CoreError) as error:
        cli(
            QUARTERLY,
            [late],
            today=D(2024, 7, 12),
            billed=record.billed,
            invoiced=invoiced,
            pending=record.pending,
        )
    assert error.value.code == "earlier_cycle_not_invoiced"
    # a backdated change in the invoiced first cycle is billed in every invoiced cycle it touches
    # (not in the second cycle: its regular invoice will bill it)
    record = Record(QUARTERLY, q1, q3)
    early = sub([*base.changes, change(D(2024, 3, 1), 1, id=2)])
    record.change(early, 2, invoiced)
    c = cli(
        QUARTERLY,
        [early],
        today=D(2024, 7, 12),
        billed=record.billed,
        invoiced=invoiced,
        pending=record.pending,
    )
    assert key(c) == [
        ("proration", 1, "2024-03-01", "2024-03-31", "1", "12.00"),
        ("proration", 1, "2024-07-01", "2024-09-30", "1", "36.00"),
    ]


def test_months_unit_deactivation_credits_whole_months_only() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), prorate_unit="months", process_refunds="yes")
    base = sub([change(D(2024, 1, 1), 10)])
    p = regular(t, D(2024, 1, 1), [base])
    for deactivated_on in (D(2024, 2, 10), D(2024, 2, 29)):
        gone = sub(
            [
                *base.changes,
                change(deactivated_on + dt.timedelta(days=1), -10, kind="deactivate", refund=True, id=2),
            ]
        )
        assert line_key(Record(t, p).change(gone, 2, [D(2024, 1, 1)])) == [
            ("credit", 1, "2024-03-01", "2024-03-31", "-10", "-120.00")
        ]
    last_day = sub([*base.changes, change(D(2024, 4, 1), -10, kind="deactivate", refund=True, id=2)])
    assert Record(t, p).change(last_day, 2, [D(2024, 1, 1)]) == ()


def test_months_unit_a_change_affects_its_whole_anchored_month() -> None:
    # anchored on Jan 15: months Jan 15..Feb 14, Feb 15..Mar 14, ...; billed 10 for Q1 (Jan 15..Apr 14)
    t = terms(frequency="quarterly", start=D(2024, 1, 15), prorate_unit="months", process_refunds="yes")
    base = sub([change(D(2024, 1, 15), 10)])
    record = Record(t, regular(t, D(2024, 1, 15), [base]))
    invoiced = [D(2024, 1, 15)]
    # a refunded decrease on Feb 20 (month Feb 15..Mar 14): credited from Mar 15
    down = sub([*base.changes, change(D(2024, 2, 20), -4, refund=True, id=2)])
    assert line_key(record.change(down, 2, invoiced)) == [
        ("credit", 1, "2024-03-15", "2024-04-14", "-4", "-48.00")
    ]
    # an increase on Mar 1 (same month): its month keeps 10 (already billed), 8 from Mar 15: +2
    up = sub([*down.changes, change(D(2024, 3, 1), 2, id=3)])
    assert line_key(record.change(up, 3, invoiced)) == [
        ("proration", 1, "2024-03-15", "2024-04-14", "2", "24.00")
    ]
    # an increase on Mar 20 above what was ever billed counts from Mar 15 (its month's first day)
    more = sub([*up.changes, change(D(2024, 3, 20), 5, id=4)])
    assert line_key(record.change(more, 4, invoiced)) == [
        ("proration", 1, "2024-03-15", "2024-04-14", "5", "60.00")
    ]


def test_a_change_leaving_a_negative_quantity_on_invoiced_days_is_refused() -> None:
    t = terms()
    base = sub([change(D(2024, 1, 1), 10), change(D(2024, 1, 20), 4, id=2)])
    record = Record(t, regular(t, D(2024, 1, 1), [sub([change(D(2024, 1, 1), 10)])]))
    # a deactivation on Jan 10 (effective Jan 11) after an increase recorded ahead for Jan 20
    gone = sub([*base.changes, change(D(2024, 1, 11), -14, kind="deactivate", id=3)])
    with pytest.raises(CoreError) as error:
        record.change(gone, 3, [D(2024, 1, 1)])
    assert (error.value.code, error.value.message) == (
        "negative_quantity",
        "the quantity in force would be -4 from 2024-01-11 to 2024-01-19",
    )
    # not refused while the days are not invoiced (nothing billed for them yet)
    assert record.change(gone, 3, []) == ()
