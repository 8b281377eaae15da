# SPDX-License-Identifier: AGPL-3.0-or-later
"""Number formats of the simulation output (docs/scenarios.md "Output")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from seatline.simulate.output import day_order_key, money, number, unit_price


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("305.8100"), "USD", "305.81"),
        (Decimal("-58.0600"), "USD", "-58.06"),
        (Decimal("0"), "USD", "0.00"),
        (Decimal("1200.0000"), "JPY", "1200"),
        (Decimal("1.2350"), "KWD", "1.235"),
        (Decimal("1E+3"), "USD", "1000.00"),
    ],
)
def test_money_has_the_currency_minor_units(amount, currency, text):
    assert money(amount, currency) == text


def test_unit_price_has_four_decimals():
    assert unit_price(Decimal("12")) == "12.0000"
    assert unit_price(Decimal("12.6")) == "12.6000"


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("10.0000"), "10"), (Decimal("-15"), "-15"), (Decimal("1.5000"), "1.5"), (Decimal("5.0000"), "5"),
     (Decimal("10"), "10"), (Decimal("17.647"), "17.647"), (3, "3")],
)  # fmt: skip
def test_numbers_drop_trailing_zeros(value, text):
    assert number(value) == text


def test_a_days_documents_are_manual_then_regular_then_change_log_each_by_contract():
    rows = [
        (10, "change_log", 1),
        (11, "regular", 2),
        (12, "regular", 1),
        (9, "manual", 2),
        (13, "credit_note", 1),
    ]
    rows.sort(key=lambda row: day_order_key(row[1], row[2], row[0]))
    assert [row[0] for row in rows] == [9, 12, 11, 10, 13]
