# SPDX-License-Identifier: AGPL-3.0-or-later
"""Numbers, dates and money written the way the account's locale writes them (Babel).

``Formatter("de-DE").money(Decimal("1234.56"), "EUR") == "1.234,56\\xa0€"``; the currency is
always the document's, the locale only decides the spelling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision

from seatline.common.languages import babel_locale
from seatline.core.money import quantize

# Characters Babel uses that the PDF's standard fonts (WinAnsi) lack, and what replaces them:
# the narrow no-break space (fr group separator) and thin spaces become no-break spaces, the
# minus sign a hyphen-minus, direction marks go.
PDF_REPLACEMENTS = str.maketrans(
    {
        "\u202f": "\u00a0",
        "\u2009": "\u00a0",
        "\u2007": "\u00a0",
        "\u2212": "-",
        "\u200e": None,
        "\u200f": None,
    }
)


def pdf_text(value: str) -> str:
    """`value` with the replacements above (what the PDF shows)."""
    return value.translate(PDF_REPLACEMENTS)


#: Formatted values by (locale tag, kind, exact value text, currency): Babel's formatting is a
#: pure function of these, and a batch of documents writes the same prices, dates and
#: quantities over and over. Keyed by the value's text, not the Decimal (19 and 19.0 are equal
#: Decimals that may be written differently). Cleared when it grows past _CACHE_LIMIT entries.
_cache: dict[tuple[str, str, str, str], str] = {}
_CACHE_LIMIT = 50_000


def _cached(key: tuple[str, str, str, str], compute: Callable[[], str]) -> str:
    value = _cache.get(key)
    if value is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        value = _cache[key] = compute()
    return value


@dataclass(frozen=True)
class Formatter:
    tag: str
    locale: Locale = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            locale = babel_locale(self.tag)
        except ValueError:
            locale = babel_locale("en-US")
        object.__setattr__(self, "locale", locale)

    def money(self, amount: Decimal, currency: str) -> str:
        """An amount in the currency's minor units: ``1.234,56 €`` (de-DE), ``$1,234.56`` (en-US)."""
        return _cached((self.tag, "money", str(amount), currency), lambda: self._money(amount, currency))

    def _money(self, amount: Decimal, currency: str) -> str:
        return format_currency(quantize(amount, currency), currency, locale=self.locale)

    def unit_price(self, amount: Decimal, currency: str) -> str:
        """A unit price with at least the currency's digits and up to 4: ``12,3456 €``."""
        return _cached((self.tag, "unit", str(amount), currency), lambda: self._unit_price(amount, currency))

    def _unit_price(self, amount: Decimal, currency: str) -> str:
        digits = get_currency_precision(currency)
        value = amount.quantize(Decimal("0.0001")).normalize()
        if -int(value.as_tuple().exponent) < digits:
            value = value.quantize(Decimal(1).scaleb(-digits))
        return format_currency(value, currency, locale=self.locale, decimal_quantization=False)

    def quantity(self, value: Decimal) -> str:
        """A quantity: whole numbers without decimals (``10``), others as needed (``2,5``)."""
        return _cached((self.tag, "quantity", str(value), ""), lambda: self._quantity(value))

    def _quantity(self, value: Decimal) -> str:
        normalized = value.normalize()
        if normalized == normalized.to_integral_value():
            normalized = normalized.quantize(Decimal(1))
        return format_decimal(normalized, locale=self.locale, decimal_quantization=False)

    def percent(self, value: Decimal) -> str:
        """A rate given in percent (``19`` -> ``19 %`` in de-DE, ``19%`` in en-US)."""
        return format_percent(value / 100, locale=self.locale, decimal_quantization=False)

    def date(self, value: dt.date | None) -> str:
        if not value:
            return ""
        return _cached(
            (self.tag, "date", value.isoformat(), ""),
            lambda: format_date(value, "medium", locale=self.locale),
        )

    def period(self, start: dt.date | None, end: dt.date | None) -> str:
        if not start and not end:
            return ""
        if start == end:
            return self.date(start)
        return f"{self.date(start)} – {self.date(end)}"
