# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers every payment connector uses: minor units, header look-up, instants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from seatline.connectors.payment_errors import ProcessorInvalidRequestError
from seatline.core.money import minor_units


def to_minor(amount: Decimal, currency: str, field: str = "amount") -> int:
    """`12.50 USD` -> 1250; refuses zero, negative and over-precise amounts (naming the field)."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ProcessorInvalidRequestError(f"{amount!r} is not a positive amount", field=field)
    scaled = amount.scaleb(minor_units(currency.upper()))
    if scaled != scaled.to_integral_value():
        raise ProcessorInvalidRequestError(
            f"{amount} has more decimals than {currency.upper()} allows", field=field
        )
    return int(scaled)


def from_minor(value: int, currency: str) -> Decimal:
    digits = minor_units(currency.upper())
    return Decimal(value).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value whatever the mapping's case handling ('' when absent)."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value or ""


def from_unix(value: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else None


def parse_iso(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
