# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django import template

from seatline.core.money import quantize

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """An amount in its currency, rounded to the currency's minor unit (en locale)."""
    if amount is None:
        return ""
    return str(format_currency(quantize(Decimal(amount), currency), currency, locale="en"))
