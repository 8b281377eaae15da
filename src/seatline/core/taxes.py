# SPDX-License-Identifier: AGPL-3.0-or-later
"""Taxes per invoice and per rate (docs/billing.md section 10)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from seatline.core.money import quantize, to_fraction
from seatline.core.types import ProposedLine, ProposedTax, TaxContext


def is_taxed(line: ProposedLine, taxes: TaxContext) -> bool:
    """Whether the line's net is taxed: taxable, and its category (if any) is not exempt."""
    return line.taxable and (line.tax_category is None or line.tax_category not in taxes.exempt_categories)


def compute_taxes(lines: Sequence[ProposedLine], taxes: TaxContext, currency: str) -> tuple[ProposedTax, ...]:
    """One tax per rate, in rate order: round(sum of taxable line nets * rate).

    Nothing for a tax-exempt account, a group with no rates, or a document with no taxable line.
    """
    if taxes.exempt or not taxes.rates:
        return ()
    taxed = [line for line in lines if is_taxed(line, taxes)]
    if not taxed:
        return ()
    base = sum((to_fraction(line.net) for line in taxed), Fraction(0))
    return tuple(
        ProposedTax(
            name=rate.name,
            percent=rate.percent,
            amount=quantize(base * to_fraction(rate.percent) / 100, currency),
        )
        for rate in taxes.rates
    )
