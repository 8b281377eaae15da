# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reconciliation reports (reads): margin by customer, by product and by month, leakage by month,
over the reconciliations of active provider invoices, each exportable as CSV.

Sums of the stored group figures (each rounded once when computed); `margin_percent` is computed
from those sums and rounded HALF_UP to 2 decimals. Groups `no_exchange_rate` are left out (like
the invoice totals). A month is the provider invoice's billing period start month.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from seatline.core.money import minor_units
from seatline.provider_invoices.models import InvoiceState
from seatline.reconciliation.models import GroupStatus, ReconciliationGroup

REPORTS = {
    "customer": ("account__name", "customer"),
    "product": ("product__name", "product"),
    "month": ("month", "month"),
}
COLUMNS = (
    "provider_cost",
    "revenue",
    "margin",
    "margin_percent",
    "leakage_amount",
    "groups",
    "unbilled_groups",
)


def _groups(currency: str | None = None) -> Any:
    found = ReconciliationGroup.objects.filter(
        reconciliation__provider_invoice__state=InvoiceState.ACTIVE
    ).exclude(status=GroupStatus.NO_EXCHANGE_RATE)
    if currency:
        found = found.filter(reconciliation__currency=currency)
    return found.annotate(month=TruncMonth("reconciliation__provider_invoice__period_start"))


def _percent(margin: Decimal, revenue: Decimal) -> Decimal | None:
    if not revenue:
        return None
    return (margin * 100 / revenue).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def report(by: str, *, currency: str | None = None) -> list[dict[str, Any]]:
    """Rows of the `by` report ("customer", "product", "month"), biggest margin first (months in order)."""
    field, label = REPORTS[by]
    rows = (
        _groups(currency)
        .values(field, "reconciliation__currency")
        .annotate(
            provider_cost=Sum("provider_cost"),
            revenue=Sum("revenue"),
            margin=Sum("margin"),
            leakage_amount=Sum("leakage_amount"),
            groups=Count("id"),
            unbilled_groups=Count("id", filter=Q(status=GroupStatus.UNBILLED)),
        )
    )
    out = []
    for row in rows:
        unit = Decimal(1).scaleb(-minor_units(row["reconciliation__currency"]))
        for name in ("provider_cost", "revenue", "margin", "leakage_amount"):
            row[name] = Decimal(row[name] or 0).quantize(unit, rounding=ROUND_HALF_UP)
        key = row[field]
        out.append(
            {
                label: key.strftime("%Y-%m") if isinstance(key, dt.date) else (key or "-"),
                "currency": row["reconciliation__currency"],
                "provider_cost": row["provider_cost"],
                "revenue": row["revenue"],
                "margin": row["margin"],
                "margin_percent": _percent(row["margin"], row["revenue"]),
                "leakage_amount": row["leakage_amount"],
                "groups": row["groups"],
                "unbilled_groups": row["unbilled_groups"],
            }
        )
    if by == "month":
        return sorted(out, key=lambda r: (r["month"], r["currency"]))
    return sorted(out, key=lambda r: (-r["margin"], str(r[label])))


def columns(by: str) -> tuple[str, ...]:
    return (REPORTS[by][1], "currency", *COLUMNS)
