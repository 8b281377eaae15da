# SPDX-License-Identifier: AGPL-3.0-or-later
"""seatline.common.parsing: one reading of numbers, amounts, percentages and quantities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from seatline.common.parsing import decimal_number, money, percent, whole_number, whole_quantity
from seatline.errors import SeatlineError


def refusal(read, value, **options):  # type: ignore[no-untyped-def]
    with pytest.raises(SeatlineError) as info:
        read(value, **options)
    return info.value.code, info.value.field, info.value.message


def test_numbers_come_from_text_or_decimals_never_floats() -> None:
    assert decimal_number(" 12.50 ") == Decimal("12.50")
    assert decimal_number(3) == Decimal(3)
    assert refusal(decimal_number, 0.1, field="cost") == (
        "invalid_number",
        "cost",
        "0.1 is not a number (use Decimal or a string)",
    )
    assert refusal(decimal_number, "NaN")[0] == "invalid_number"
    assert refusal(decimal_number, True)[0] == "invalid_number"


def test_whole_numbers_and_quantities() -> None:
    assert whole_number("4", minimum=1, maximum=5) == 4
    assert whole_number(Decimal("3.0")) == 3
    assert refusal(whole_number, "3.5")[2] == "3.5 is not a whole number"
    assert refusal(whole_number, 7, maximum=5)[2] == "must be at most 5, got 7"
    assert whole_quantity("12") == 12
    assert whole_quantity(0, allow_zero=True) == 0
    assert refusal(whole_quantity, 0)[:2] == ("invalid_quantity", "quantity")


def test_amounts_have_at_most_four_decimals_and_percentages_bounds() -> None:
    assert money("10.1234", field="price") == Decimal("10.1234")
    assert refusal(money, "10.12345", field="price") == (
        "invalid_price",
        "price",
        "10.12345 has more than 4 decimals",
    )
    assert refusal(money, "-1", field="cost", code="invalid_amount")[:2] == ("invalid_amount", "cost")
    assert refusal(money, "0", field="quantity", positive=True)[0] == "invalid_price"
    assert percent("-20", field="markup_percent") == Decimal("-20")
    assert refusal(percent, "150", field="discount", low=Decimal(0), high=Decimal(100))[2] == (
        "150 is not between 0 and 100 %"
    )
    assert refusal(percent, "-100", field="percent", above=Decimal(-100))[0] == "invalid_percent"
