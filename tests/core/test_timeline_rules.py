# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from seatline.core import (
    compute_taxes,
    indexed_price,
    months_fraction,
    price_on,
    quantity_on,
    reduction_allowed,
    refund_applies,
)
from seatline.core.types import Cycle, ProposedLine, ProposedTax, TaxContext, TaxRate
from tests.core.factories import D, change, sub, terms


def test_quantity_and_price_timeline() -> None:
    s = sub(
        [
            change(D(2024, 1, 10), 10, "12.00", "create"),
            change(D(2024, 2, 1), 5, "12.00"),
            change(D(2024, 3, 1), 0, "13.50", "price"),
            # deactivated on 2024-03-20: stored effective the day after
            change(D(2024, 3, 21), -15, "13.50", "deactivate"),
            change(D(2024, 4, 2), 15, "13.50", "activate"),
        ]
    )
    assert quantity_on(s, D(2024, 1, 9)) == 0
    assert price_on(s, D(2024, 1, 9)) == Decimal("0")
    assert quantity_on(s, D(2024, 1, 10)) == 10
    assert quantity_on(s, D(2024, 2, 1)) == 15
    assert price_on(s, D(2024, 2, 29)) == Decimal("12.00")
    assert price_on(s, D(2024, 3, 1)) == Decimal("13.50")
    assert quantity_on(s, D(2024, 3, 20)) == 15
    assert quantity_on(s, D(2024, 3, 21)) == 0
    assert quantity_on(s, D(2024, 4, 2)) == 15
    assert sum(c.delta for c in s.changes) == quantity_on(s, D(2099, 1, 1))


def test_months_fraction_days() -> None:
    t = terms(frequency="quarterly", start=D(2018, 1, 1))
    c = Cycle(0, D(2018, 1, 1), D(2018, 3, 31), D(2018, 3, 31))
    assert months_fraction(t, c, D(2018, 1, 15), D(2018, 3, 31)) == 2 + Fraction(17, 31)
    assert months_fraction(t, c, D(2018, 1, 1), D(2018, 3, 31)) == 3
    assert months_fraction(t, c, D(2018, 2, 1), D(2018, 2, 1)) == Fraction(1, 28)
    with pytest.raises(ValueError):
        months_fraction(t, c, D(2018, 3, 1), D(2018, 4, 1))


def test_months_fraction_measures_against_whole_anchored_months() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 31))
    c = Cycle(1, D(2024, 4, 30), D(2024, 7, 30), D(2024, 7, 30))
    # May 30 is the last day of the month Apr 30..May 30 (31 days); May 31..Jun 29 has 30 days
    assert months_fraction(t, c, D(2024, 5, 30), D(2024, 6, 1)) == Fraction(1, 31) + Fraction(2, 30)
    truncated = Cycle(1, D(2024, 4, 1), D(2024, 5, 15), D(2024, 6, 30))
    tq = terms(frequency="quarterly", start=D(2024, 1, 1), end=D(2024, 5, 15))
    assert months_fraction(tq, truncated, D(2024, 4, 1), D(2024, 5, 15)) == 1 + Fraction(15, 31)


def test_months_fraction_months_unit_counts_anchored_months() -> None:
    t = terms(frequency="quarterly", start=D(2024, 1, 1), prorate_unit="months")
    c = Cycle(0, D(2024, 1, 1), D(2024, 3, 31), D(2024, 3, 31))
    assert months_fraction(t, c, D(2024, 2, 1), D(2024, 3, 31)) == 2
    assert months_fraction(t, c, D(2024, 3, 1), D(2024, 3, 31)) == 1
    truncated = Cycle(1, D(2024, 4, 1), D(2024, 5, 15), D(2024, 6, 30))
    assert months_fraction(t, truncated, D(2024, 4, 1), D(2024, 5, 15)) == 2


@pytest.mark.parametrize(
    ("policy", "process", "global_", "choice", "expected"),
    [
        ("advance", "yes", False, None, True),
        ("advance", "yes", False, True, True),
        ("advance", "yes", False, False, False),
        ("advance", "no", True, None, False),
        ("advance", "no", True, True, False),
        ("advance", "use_global", True, None, True),
        ("advance", "use_global", True, True, True),
        ("advance", "use_global", True, False, False),
        ("advance", "use_global", False, None, False),
        ("advance", "use_global", False, True, False),
        ("arrears", "yes", True, None, False),
        ("arrears", "yes", True, True, False),
        ("advance", True, False, None, True),
        ("advance", False, True, None, False),
    ],
)
def test_refund_matrix(policy: str, process: str, global_: bool, choice: bool | None, expected: bool) -> None:
    assert (
        refund_applies(policy=policy, process_refunds=process, generate_refunds=global_, user_choice=choice)
        is expected
    )


def test_reduction_windows() -> None:
    start = D(2023, 3, 15)

    def ok(day: object, qrb: str = "window", n: int | None = 7, months: int = 12) -> bool:
        return reduction_allowed(qrb=qrb, qrw_days=n, term_months=months, subscription_start=start, day=day)  # type: ignore[arg-type]

    assert ok(D(2023, 3, 15)) and ok(D(2023, 3, 21)) and not ok(D(2023, 3, 22))
    assert ok(D(2024, 3, 15)) and ok(D(2024, 3, 21)) and not ok(D(2024, 3, 22)) and not ok(D(2024, 3, 14))
    assert not ok(D(2023, 3, 14))
    assert ok(D(2099, 1, 1), qrb="allowed") and not ok(D(2023, 3, 15), qrb="disallowed")
    assert not ok(D(2023, 3, 15), n=None) and not ok(D(2023, 3, 15), n=0)
    # monthly terms anchored on Jan 31: Jan 31, Feb 29, Mar 31 ...
    monthly = dict(qrb="window", qrw_days=3, term_months=1, subscription_start=D(2024, 1, 31))
    assert reduction_allowed(**monthly, day=D(2024, 3, 2))  # type: ignore[arg-type]
    assert not reduction_allowed(**monthly, day=D(2024, 3, 3))  # type: ignore[arg-type]
    assert reduction_allowed(**monthly, day=D(2024, 3, 31))  # type: ignore[arg-type]
    assert not reduction_allowed(**monthly, day=D(2024, 3, 30))  # type: ignore[arg-type]


def test_indexed_price() -> None:
    assert indexed_price(Decimal("12.00"), Decimal("5"), "USD") == Decimal("12.60")
    assert indexed_price(Decimal("9.99"), Decimal("3.5"), "USD") == Decimal("10.34")  # 10.33965
    assert indexed_price(Decimal("1000"), Decimal("2.5"), "JPY") == Decimal("1025")
    assert indexed_price(Decimal("12.345"), Decimal("1"), "KWD") == Decimal("12.468")  # 12.46845


def line(net: str, *, taxable: bool = True, category: str | None = None) -> ProposedLine:
    return ProposedLine(
        type="recurring",
        description="x",
        quantity=Decimal(1),
        unit_price=Decimal(net),
        amount=Decimal(net),
        discount=Decimal("0.00"),
        taxable=taxable,
        tax_category=category,
    )


def test_taxes_per_rate_rounded_separately() -> None:
    ctx = TaxContext(rates=(TaxRate("State", Decimal("5")), TaxRate("County", Decimal("3"))))
    assert compute_taxes([line("-237.42")], ctx, "USD") == (
        ProposedTax("State", Decimal("5"), Decimal("-11.87")),
        ProposedTax("County", Decimal("3"), Decimal("-7.12")),
    )
    assert compute_taxes([line("100.00"), line("50.00", taxable=False)], ctx, "USD") == (
        ProposedTax("State", Decimal("5"), Decimal("5.00")),
        ProposedTax("County", Decimal("3"), Decimal("3.00")),
    )
    zero = compute_taxes([line("10.00"), line("-10.00")], ctx, "USD")
    assert [t.amount for t in zero] == [Decimal("0.00"), Decimal("0.00")]


def test_taxes_exemptions() -> None:
    rates = (TaxRate("VAT", Decimal("20")),)
    assert compute_taxes([line("100.00")], TaxContext(rates=rates, exempt=True), "USD") == ()
    assert compute_taxes([line("100.00")], TaxContext(), "USD") == ()
    ctx = TaxContext(rates=rates, exempt_categories=frozenset({"edu"}))
    assert compute_taxes([line("100.00", category="edu")], ctx, "USD") == ()
    assert compute_taxes([line("100.00", category="edu"), line("10.00", category="std")], ctx, "USD") == (
        ProposedTax("VAT", Decimal("20"), Decimal("2.00")),
    )
    assert compute_taxes([line("100.00", taxable=False)], TaxContext(rates=rates), "USD") == ()
    assert compute_taxes([line("1234")], TaxContext(rates=(TaxRate("VAT", Decimal("10")),)), "JPY") == (
        ProposedTax("VAT", Decimal("10"), Decimal("123")),
    )
