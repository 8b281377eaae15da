# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mapping templates: the Seatline line fields a provider column can map to, their validation, and
the templates Seatline ships (installed by a data migration, `SHIPPED`).

A template maps *Seatline field -> provider column name* (column names compared without case and
surrounding spaces). Amount fields are read as Decimal exactly as written; date fields as ISO 8601
first (`2024-01-15`, `2024-01-15T00:00:00Z`), then the template's `date_formats`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

TEXT_FIELDS = (
    "customer_tenant_id",
    "customer_name",
    "provider_subscription_id",
    "product_id",
    "sku_id",
    "product_name",
    "sku_name",
    "charge_type",
    "term_and_billing_cycle",
    "billing_frequency",
    "reference_id",
    "meter_name",
    "currency",
    "kind",  # a column whose values say what a line is (Pax8 `type`: subscription, prorate, ...)
)
AMOUNT_FIELDS = (
    "unit_price",
    "effective_unit_price",
    "quantity",
    "billable_quantity",
    "subtotal",
    "tax",
    "total",
    "exchange_rate",
)
DATE_FIELDS = ("charge_start", "charge_end", "usage_date")
FIELDS = (*TEXT_FIELDS, *AMOUNT_FIELDS, *DATE_FIELDS)


def template_problems(columns: Any, date_formats: str) -> list[str]:
    """What is wrong with a template's column map (empty: usable)."""
    if not isinstance(columns, dict) or not columns:
        return ['columns must be an object {"seatline field": "provider column", ...}']
    problems = []
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        problems.append(f"unknown Seatline field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    for field, column in columns.items():
        if not isinstance(column, str) or not column.strip():
            problems.append(f"{field}: the provider column name must be a non-empty text")
    names = [str(column).strip().casefold() for column in columns.values()]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        problems.append(f"column(s) mapped twice: {', '.join(duplicated)}")
    if "total" not in columns and "subtotal" not in columns:
        problems.append("map total or subtotal (the checksum needs line amounts)")
    if "provider_subscription_id" not in columns and "customer_tenant_id" not in columns:
        problems.append("map provider_subscription_id or customer_tenant_id (lines must be matchable)")
    for fmt in (part.strip() for part in date_formats.split(",") if part.strip()):
        try:
            dt.date(2024, 1, 15).strftime(fmt)
            if "%" not in fmt:
                raise ValueError(fmt)
        except ValueError:
            problems.append(f"date format {fmt!r} is not a strptime format such as %m/%d/%Y")
    return problems
