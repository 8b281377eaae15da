# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading input values: numbers, amounts, percentages, whole quantities (one module for all).

Services, back-office forms and the scenario reader (`seatline simulate`) read user input with
these functions, so a value means the same everywhere: amounts are `Decimal` and never come from
a float, at most 4 decimals, quantities are whole numbers. A refused value raises
`SeatlineError(code, message, field=...)`; the scenario reader turns it into an error naming the
key and line. No Django import: usable below every app.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from seatline.errors import SeatlineError

_FOUR_PLACES = Decimal("0.0001")
MAX_QUANTITY = 1_000_000
"""The most seats (units) one subscription, change or order line may hold."""
MAX_AMOUNT = Decimal("999999999999999.9999")
"""The largest amount a money column holds (19 digits, 4 decimals)."""


def decimal_number(
    value: Any, *, field: str | None = None, code: str = "invalid_number", what: str = "a number"
) -> Decimal:
    """`value` (a Decimal, an int or a text such as "12.50") as a finite Decimal; never a float."""
    if isinstance(value, bool | float):
        raise SeatlineError(code, f"{value!r} is not {what} (use Decimal or a string)", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise SeatlineError(code, f"{value!r} is not {what}", field=field) from exc
    if not number.is_finite():
        raise SeatlineError(code, f"{value!r} is not {what}", field=field)
    return number


def whole_number(
    value: Any,
    *,
    field: str | None = None,
    code: str = "invalid_number",
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """`value` as an int within [minimum, maximum] ("3", 3 and Decimal("3.0") work; 3.5 does not)."""
    if isinstance(value, bool | float):
        raise SeatlineError(code, f"{value!r} is not a whole number", field=field)
    try:
        number = value if isinstance(value, Decimal | int | Fraction) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise SeatlineError(code, f"{value!r} is not a number", field=field) from exc
    if isinstance(number, Decimal) and not number.is_finite():
        raise SeatlineError(code, f"{value!r} is not a number", field=field)
    if number != int(number):
        raise SeatlineError(code, f"{value} is not a whole number", field=field)
    result = int(number)
    if minimum is not None and result < minimum:
        raise SeatlineError(code, f"must be at least {minimum}, got {result}", field=field)
    if maximum is not None and result > maximum:
        raise SeatlineError(code, f"must be at most {maximum}, got {result}", field=field)
    return result


def whole_quantity(value: Any, *, field: str = "quantity", allow_zero: bool = False) -> int:
    """`value` as a whole number from 1 (0 with `allow_zero`) to `MAX_QUANTITY`, else
    `invalid_quantity`."""
    number = whole_number(value, field=field, code="invalid_quantity")
    if number < 0 or (number == 0 and not allow_zero):
        raise SeatlineError(
            "invalid_quantity",
            f"quantity {value} is not allowed: use a positive whole number (deactivate instead of 0)",
            field=field,
        )
    if number > MAX_QUANTITY:
        raise SeatlineError(
            "invalid_quantity",
            f"quantity {number:,} is too large: at most {MAX_QUANTITY:,} per subscription",
            field=field,
        )
    return number


def money(value: Any, *, field: str, code: str = "invalid_price", positive: bool = False) -> Decimal:
    """`value` as a Decimal amount >= 0 (> 0 with `positive`) with at most 4 decimals."""
    amount = decimal_number(value, field=field, code=code, what="an amount")
    if amount < 0 or (positive and amount == 0):
        raise SeatlineError(code, f"{value} is not an allowed amount", field=field)
    if amount > MAX_AMOUNT:
        raise SeatlineError(code, f"{value} is too large an amount (at most {MAX_AMOUNT:,})", field=field)
    if amount != amount.quantize(_FOUR_PLACES):
        raise SeatlineError(code, f"{value} has more than 4 decimals", field=field)
    return amount


def percent(
    value: Any,
    *,
    field: str,
    code: str = "invalid_percent",
    low: Decimal | None = None,
    high: Decimal | None = None,
    above: Decimal | None = None,
) -> Decimal:
    """`value` as a Decimal percentage (never from a float), within [low, high] and > `above` when given."""
    number = decimal_number(value, field=field, code=code, what="a percentage")
    if (
        (low is not None and number < low)
        or (high is not None and number > high)
        or (above is not None and number <= above)
    ):
        bounds = (
            f"between {low} and {high} %" if low is not None and high is not None else "an allowed percentage"
        )
        raise SeatlineError(code, f"{value} is not {bounds}", field=field)
    return number
