# SPDX-License-Identifier: AGPL-3.0-or-later
"""The pure reconciliation (docs/reconciliation-rules.md 3-4), hand-computed cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from seatline.core import reconciliation as rc

JAN1, JAN31 = dt.date(2024, 1, 1), dt.date(2024, 1, 31)
D = Decimal


def line(id: int, **kw: object) -> rc.ProviderLine:
    values: dict[str, object] = {
        "id": id,
        "row": id + 1,
        "kind": "license",
        "tenant": "t-contoso",
        "provider_subscription_id": "",
        "part": "P1:0001",
        "charge_type": "cycleCharge",
        "billable_quantity": D(10),
        "subtotal": D("100.00"),
        "effective_unit_price": D("10.00"),
        "charge_start": JAN1,
        "charge_end": JAN31,
    }
    values.update(kw)
    return rc.ProviderLine(**values)  # type: ignore[arg-type]


def cline(id: int, sub: int, **kw: object) -> rc.CustomerLine:
    values: dict[str, object] = {
        "id": id,
        "invoice_id": 1,
        "subscription_id": sub,
        "type": "recurring",
        "quantity": D(10),
        "period_start": JAN1,
        "period_end": JAN31,
        "net": D("120.00"),
        "currency": "USD",
        "invoice_date": JAN1,
    }
    values.update(kw)
    return rc.CustomerLine(**values)  # type: ignore[arg-type]


def ctx(*subs: rc.Subscription, rules: tuple[rc.Rule, ...] = ()) -> rc.Context:
    return rc.Context(
        window_start=JAN1,
        window_end=JAN31,
        currency="USD",
        tenants={"t-contoso": 1},
        parts={"p1:0001": 7},
        subscriptions=subs,
        rules=rules,
    )


def sub(
    id: int, psid: str = "", account: int = 1, product: int | None = 7, active: bool = True
) -> rc.Subscription:
    return rc.Subscription(
        id=id, account_id=account, product_id=product, provider_subscription_id=psid, active_in_window=active
    )


def test_clean_month_by_provider_subscription_id() -> None:
    result = rc.reconcile([line(1, provider_subscription_id="AB-1")], ctx(sub(5, "ab-1")), [cline(1, 5)])
    (group,) = result.groups
    assert (group.status, group.provider_seat_days, group.billed_seat_days) == ("matched", 310, 310)
    assert (group.provider_cost, group.revenue, group.margin) == (D("100.00"), D("120.00"), D("20.00"))
    assert group.margin_percent == D("16.67")
    assert group.leakage_amount == D("0.00")
    assert result.matches[0].how == "subscription"


def test_two_subscriptions_of_one_product_are_one_group() -> None:
    lines = [line(1, billable_quantity=D(15), subtotal=D("150.00"))]
    result = rc.reconcile(lines, ctx(sub(5), sub(6)), [cline(1, 5), cline(2, 6, quantity=D(5), net=D("60"))])
    (group,) = result.groups
    assert group.subscription_ids == (5, 6)
    assert (group.provider_seat_days, group.billed_seat_days, group.status) == (465, 465, "matched")


def test_unbilled_seats_leakage_and_negative_margin() -> None:
    # provider: 10 seats all month + 2 seats from Jan 21 (11 days) at 10/seat-month
    lines = [
        line(1),
        line(
            2,
            charge_type="addQuantity",
            billable_quantity=D(2),
            subtotal=D("7.10"),
            charge_start=dt.date(2024, 1, 21),
        ),
    ]
    result = rc.reconcile(lines, ctx(sub(5)), [cline(1, 5, net=D("100.00"))])
    (group,) = result.groups
    assert (group.provider_seat_days, group.billed_seat_days, group.seat_day_variance) == (332, 310, 22)
    assert group.status == "unbilled_seats"
    assert group.provider_cost == D("107.10")
    # 107.10 * 22 / 332 = 7.0969...
    assert group.leakage_amount == D("7.10")
    assert group.flags == ("negative_margin",)


def test_overbilled_and_missing_at_provider() -> None:
    lines = [
        line(
            1,
            billable_quantity=D(10),
            subtotal=D("-50"),
            charge_type="cancelImmediate",
            charge_start=dt.date(2024, 1, 16),
            kind="credit",
        ),
        line(2),
    ]
    result = rc.reconcile(lines, ctx(sub(5), sub(9, product=8)), [cline(1, 5), cline(2, 9)])
    over, missing = result.groups
    assert (over.provider_seat_days, over.billed_seat_days, over.status) == (150, 310, "overbilled_seats")
    assert (missing.subscription_ids, missing.status, missing.provider_seat_days) == (
        (9,),
        "missing_at_provider",
        0,
    )
    assert over.leakage_amount == D("0.00")


def test_unmapped_reasons_rules_and_ignore() -> None:
    lines = [
        line(1, tenant="nobody"),
        line(2, part="X:1"),
        line(3, part="P1:0001", tenant="t-contoso"),
        line(4, kind="usage"),
    ]
    result = rc.reconcile(lines, ctx(sub(5, "has-id")), [])
    assert [(m.row, m.reason) for m in result.matches] == [
        (2, "unknown_customer"),
        (3, "unknown_product"),
        (4, "unknown_subscription"),
    ]
    assert result.unmapped_amount == D("300.00")
    rules = (
        rc.Rule(id=1, tenant="nobody", part="P1:0001", ignore=True, reason="internal"),
        rc.Rule(id=2, tenant="t-contoso", part="X:1", subscription_id=5),
    )
    result = rc.reconcile(lines, ctx(sub(5, "has-id"), rules=rules), [])
    assert [(m.how, m.reason) for m in result.matches][:2] == [("ignored", "internal"), ("rule", "")]


def test_price_changed_within_term() -> None:
    previous = [
        rc.PreviousPrice(subscription_id=5, charge_start=dt.date(2023, 12, 1), effective_unit_price=D("9.00"))
    ]
    result = rc.reconcile([line(1, provider_subscription_id="a")], ctx(sub(5, "a")), [cline(1, 5)], previous)
    assert "price_changed_within_term" in result.groups[0].flags
    term = rc.Subscription(5, 1, 7, "a", True, term_start=JAN1)
    result = rc.reconcile([line(1, provider_subscription_id="a")], ctx(term), [cline(1, 5)], previous)
    assert result.groups[0].flags == ()


def test_foreign_currency_line_without_rate() -> None:
    result = rc.reconcile([line(1)], ctx(sub(5)), [cline(1, 5, currency="EUR")])
    assert result.groups[0].status == "no_exchange_rate"
    assert result.provider_cost == D("0")


def test_cancellation_audit_both_ways() -> None:
    from seatline.core.cancellation_audit import audit

    cancel = line(
        2,
        kind="credit",
        charge_type="cancelImmediate",
        subtotal=D("-43.50"),
        charge_start=dt.date(2024, 1, 5),
    )
    (found,) = audit([line(1), cancel], [cline(1, 5)], window_start=JAN1, window_end=JAN31, currency="USD")
    assert (found.kind, found.seats, found.seat_days, found.amount) == ("not_passed_on", 10, 270, D("43.50"))
    passed = cline(2, 5, type="credit", quantity=D(-10), period_start=dt.date(2024, 1, 5), net=D("-52.26"))
    assert (
        audit([line(1), cancel], [cline(1, 5), passed], window_start=JAN1, window_end=JAN31, currency="USD")
        == []
    )
    (reverse,) = audit([line(1)], [cline(1, 5), passed], window_start=JAN1, window_end=JAN31, currency="USD")
    assert (reverse.kind, reverse.seat_days, reverse.amount) == (
        "credited_without_provider_credit",
        270,
        D("52.26"),
    )


def test_expected_charge_replay_names_the_change_behind_each_difference() -> None:
    from seatline.core import expected_charges as ec

    changes = [
        ec.ChangeEvent(1, JAN1, "create", 10, D("5.00")),
        ec.ChangeEvent(2, dt.date(2024, 1, 11), "increase", 12, D("5.00")),
    ]
    rows = ec.expected_rows(changes, start=JAN1, window_start=JAN1, window_end=JAN31)
    assert [(r.charge_type, r.start, r.quantity, r.effective_unit_price, r.change_id) for r in rows] == [
        ("new", JAN1, 10, D("5.00"), None),
        ("addQuantity", dt.date(2024, 1, 11), -10, D("3.38"), 2),  # 5/31 x 21 = 3.387 -> 3.38
        ("addQuantity", dt.date(2024, 1, 11), 12, D("3.38"), 2),
    ]
    actual = [
        line(1, effective_unit_price=D("5.00")),
        line(2, charge_type="addQuantity", billable_quantity=D(10), subtotal=D("-33.80"),
             effective_unit_price=D("-3.38"), charge_start=dt.date(2024, 1, 11)),
        line(3, charge_type="addQuantity", billable_quantity=D(12), subtotal=D("40.56"),
             effective_unit_price=D("3.40"), charge_start=dt.date(2024, 1, 11)),
        line(4, charge_type="addQuantity", billable_quantity=D(13), subtotal=D("1"), charge_start=dt.date(2024, 1, 20)),
    ]  # fmt: skip
    found = [(d.kind, d.quantity, d.change_id, d.line_id) for d in ec.diff(rows, actual)]
    assert found == [("price", 12, 2, 3), ("unexpected", 13, None, 4)]
