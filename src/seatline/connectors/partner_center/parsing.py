# SPDX-License-Identifier: AGPL-3.0-or-later
"""Parsing Partner Center JSON into typed values (Decimal, dates, aware datetimes)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil import parser as date_parser

JsonObject = dict[str, Any]


def loads(text: str) -> Any:
    """JSON with every non-integer number as Decimal (never float)."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """JSON text for a body that may hold Decimals read earlier; they are written exactly."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} as JSON")
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, float):
        raise TypeError("floats are not sent to providers; use Decimal")
    return json.dumps(value)


def decimal_value(value: object, default: Decimal | None = Decimal(0)) -> Decimal | None:
    """A number that may arrive as a JSON number or a string ("16", 14.4, "-94.08")."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # only if a caller parsed without parse_float
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def required_decimal(value: object) -> Decimal:
    result = decimal_value(value)
    assert result is not None
    return result


def int_value(value: object, default: int = 0) -> int:
    if value is None or value == "":
        return default
    number = decimal_value(value)
    assert number is not None
    if number != number.to_integral_value():
        raise ValueError(f"not an integer: {value!r}")
    return int(number)


def datetime_value(value: object) -> dt.datetime | None:
    """An aware UTC datetime from an ISO 8601 string ("2021-01-24T20:39:17.18Z"); naive = UTC."""
    if value is None or value == "":
        return None
    parsed = date_parser.isoparse(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def date_value(value: object) -> dt.date | None:
    """The calendar date of an ISO date or datetime string, as written (no time-zone shift)."""
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return dt.date.fromisoformat(text[:10])
    return date_parser.isoparse(text).date()


def iso_instant(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("pass an aware datetime")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(value: object) -> str:
    return "" if value is None else str(value)


def obj(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}
