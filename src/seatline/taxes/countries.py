# SPDX-License-Identifier: AGPL-3.0-or-later
"""Turning an address's country text into an ISO 3166 alpha-2 code (docs/billing.md 10)."""

from __future__ import annotations

import pycountry


def iso_alpha2(text: str) -> str | None:
    """The alpha-2 code of `text` given as alpha-2, alpha-3, English, official or common name
    (case-insensitive), or None. Pure: configured aliases are not consulted."""
    folded = (text or "").strip().casefold()
    if not folded:
        return None
    for country in pycountry.countries:
        names = (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "official_name", ""),
            getattr(country, "common_name", ""),
        )
        if any(name and name.casefold() == folded for name in names):
            return str(country.alpha_2)
    return None


def resolve_country(value: str) -> str | None:
    """Like `iso_alpha2`, then a configured CountryAlias (case-insensitive); None when nothing matches."""
    code = iso_alpha2(value)
    if code is not None or not (value or "").strip():
        return code
    from seatline.taxes.models import CountryAlias

    alias = CountryAlias.objects.filter(alias__iexact=value.strip()).values_list("country", flat=True).first()
    return alias.upper() if alias else None
