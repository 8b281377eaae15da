# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads of reconciliations: group and unmapped rows (command, back office, CSV exports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from seatline.core.money import minor_units
from seatline.reconciliation.models import (
    GroupSubscription,
    ReconciledLine,
    Reconciliation,
    ReconciliationGroup,
)

GROUP_COLUMNS = (
    "provider_invoice",
    "group",
    "customer",
    "product",
    "subscriptions",
    "status",
    "provider_seat_days",
    "billed_seat_days",
    "seat_day_variance",
    "provider_cost",
    "revenue",
    "margin",
    "margin_percent",
    "leakage_amount",
    "flags",
    "resolution",
    "resolution_reason",
)
UNMAPPED_COLUMNS = (
    "provider_invoice",
    "row",
    "reason",
    "customer_tenant_id",
    "customer_name",
    "provider_subscription_id",
    "product",
    "charge_type",
    "quantity",
    "amount",
)


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def money(value: Decimal | None, currency: str) -> str | None:
    """An amount with the currency's minor units ("50.00", JPY "1200")."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-minor_units(currency))), "f")


def subscription_names(groups: Iterable[ReconciliationGroup]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    rows = (
        GroupSubscription.objects.filter(group__in=[g.pk for g in groups])
        .order_by("subscription_id")
        .values_list("group_id", "subscription__name", "subscription_id")
    )
    for group_id, name, pk in rows:
        names.setdefault(group_id, []).append(f"{name} (#{pk})")
    return names


def group_rows(recon: Reconciliation, *, status: str | None = None) -> list[dict[str, Any]]:
    groups: QuerySet[ReconciliationGroup] = recon.groups.select_related("account", "product").order_by("key")
    if status:
        groups = groups.filter(status=status)
    listed = list(groups)
    names = subscription_names(listed)
    number = recon.provider_invoice.number
    return [
        {
            "provider_invoice": number,
            "group": group.key,
            "customer": group.account.name if group.account else None,
            "product": group.product.name if group.product else None,
            "subscriptions": names.get(group.pk, []),
            "status": group.status,
            "provider_seat_days": group.provider_seat_days,
            "billed_seat_days": group.billed_seat_days,
            "seat_day_variance": group.seat_day_variance,
            "provider_cost": money(group.provider_cost, recon.currency),
            "revenue": money(group.revenue, recon.currency),
            "margin": money(group.margin, recon.currency),
            "margin_percent": _text(group.margin_percent),
            "leakage_amount": money(group.leakage_amount, recon.currency),
            "flags": group.flags,
            "resolution": group.resolution,
            "resolution_reason": group.resolution_reason,
        }
        for group in listed
    ]


def unmapped_lines(recon: Reconciliation) -> QuerySet[ReconciledLine]:
    return (
        ReconciledLine.objects.filter(reconciliation=recon, outcome="")
        .select_related("line")
        .order_by("reason", "line__row_number")
    )


def unmapped_rows(recon: Reconciliation) -> list[dict[str, Any]]:
    number = recon.provider_invoice.number
    return [
        {
            "provider_invoice": number,
            "row": item.line.row_number,
            "reason": item.reason,
            "customer_tenant_id": item.line.customer_tenant_id,
            "customer_name": item.line.customer_name,
            "provider_subscription_id": item.line.provider_subscription_id,
            "product": f"{item.line.product_id}:{item.line.sku_id} {item.line.sku_name or item.line.product_name}".strip(),
            "charge_type": item.line.charge_type,
            "quantity": _text(item.line.billable_quantity.normalize()),
            "amount": money(item.amount, recon.currency),
        }
        for item in unmapped_lines(recon)
    ]


def unmapped_by_reason(recon: Reconciliation) -> list[dict[str, Any]]:
    """The unmapped queue grouped by reason, with the money at stake (sum of subtotals)."""
    groups: dict[str, dict[str, Any]] = {}
    for item in unmapped_lines(recon):
        entry = groups.setdefault(item.reason, {"reason": item.reason, "lines": [], "amount": 0})
        entry["lines"].append(item)
        entry["amount"] += item.amount
    return list(groups.values())


def totals(recon: Reconciliation) -> dict[str, Any]:
    return {
        "provider_invoice": recon.provider_invoice.number,
        "currency": recon.currency,
        "provider_cost": money(recon.provider_cost, recon.currency),
        "revenue": money(recon.revenue, recon.currency),
        "margin": money(recon.margin, recon.currency),
        "margin_percent": _text(recon.margin_percent),
        "leakage_amount": money(recon.leakage_amount, recon.currency),
        "unmapped_amount": money(recon.unmapped_amount, recon.currency),
        "groups": recon.group_count,
        "unmapped": recon.unmapped_count,
        "ignored": recon.ignored_count,
        "computed_at": recon.computed_at.isoformat() if recon.computed_at else None,
        "runs": recon.runs,
    }


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                "; ".join(str(v) for v in row.get(c) or []) if isinstance(row.get(c), list) else row.get(c)
                for c in columns
            ]
        )
    return out.getvalue()


def cancellation_audit(recon: Reconciliation) -> list[dict[str, Any]]:
    """The 7-day cancellation audit of every group of `recon` (`seatline.core.cancellation_audit`)."""
    from seatline.core import cancellation_audit as ca
    from seatline.core import reconciliation as rc
    from seatline.invoicing.models import InvoiceLine
    from seatline.reconciliation.models import GroupCustomerLine

    invoice = recon.provider_invoice
    out: list[dict[str, Any]] = []
    groups = recon.groups.exclude(status="matched").order_by("key")
    for group in groups:
        lines = [
            rc.ProviderLine(
                id=item.line_id, row=item.line.row_number, kind=item.line.kind,
                tenant=item.line.customer_tenant_id, provider_subscription_id=item.line.provider_subscription_id,
                part="", charge_type=item.line.charge_type, billable_quantity=item.line.billable_quantity,
                subtotal=item.line.subtotal, effective_unit_price=item.line.effective_unit_price,
                charge_start=item.line.charge_start, charge_end=item.line.charge_end,
            )
            for item in group.lines.select_related("line")
        ]  # fmt: skip
        ids = GroupCustomerLine.objects.filter(group=group).values_list("invoice_line_id", flat=True)
        customer = [
            rc.CustomerLine(
                id=line.pk, invoice_id=line.invoice_id, subscription_id=line.subscription_id or 0,
                type=line.type, quantity=line.quantity, period_start=line.period_start or invoice.period_start,
                period_end=line.period_end or invoice.period_end, net=line.net, currency=invoice.currency,
                invoice_date=invoice.period_start,
            )
            for line in InvoiceLine.objects.filter(pk__in=list(ids))
        ]  # fmt: skip
        for finding in ca.audit(
            lines,
            customer,
            window_start=invoice.period_start,
            window_end=invoice.period_end,
            currency=recon.currency,
        ):
            out.append(
                {
                    "provider_invoice": invoice.number,
                    "group": group.key,
                    "customer": group.description,
                    "kind": finding.kind,
                    "start": finding.start.isoformat(),
                    "end": finding.end.isoformat(),
                    "seats": finding.seats,
                    "seat_days": finding.seat_days,
                    "amount": money(finding.amount, recon.currency),
                }
            )
    return out


def expected_charge_replay(recon: Reconciliation) -> list[dict[str, Any]]:
    """The expected-charge replay (`seatline.core.expected_charges`) of every group of one
    subscription: the rows its change history calls for in the window against the provider's rows."""
    from seatline.core import expected_charges as ec
    from seatline.core import reconciliation as rc
    from seatline.reconciliation.models import GroupSubscription
    from seatline.subscriptions.models import LicenseChangeLog, Subscription

    invoice = recon.provider_invoice
    out: list[dict[str, Any]] = []
    members: dict[int, list[int]] = {}
    for group_id, sub_id in GroupSubscription.objects.filter(group__reconciliation=recon).values_list(
        "group_id", "subscription_id"
    ):
        members.setdefault(group_id, []).append(sub_id)
    for group in recon.groups.order_by("key"):
        subs = members.get(group.pk, [])
        if len(subs) != 1:
            continue
        subscription = Subscription.objects.get(pk=subs[0])
        changes = [
            ec.ChangeEvent(pk, effective, kind, quantity, cost)
            for pk, effective, kind, quantity, cost in LicenseChangeLog.objects.filter(
                subscription=subscription
            )
            .order_by("effective_date", "id")
            .values_list("pk", "effective_date", "kind", "quantity_after", "cost")
        ]
        lines = [
            rc.ProviderLine(
                id=item.line_id, row=item.line.row_number, kind=item.line.kind,
                tenant=item.line.customer_tenant_id, provider_subscription_id=item.line.provider_subscription_id,
                part="", charge_type=item.line.charge_type, billable_quantity=item.line.billable_quantity,
                subtotal=item.line.subtotal, effective_unit_price=item.line.effective_unit_price,
                charge_start=item.line.charge_start, charge_end=item.line.charge_end,
            )
            for item in group.lines.select_related("line")
        ]  # fmt: skip
        rows = {line.id: line.row for line in lines}
        expected = ec.expected_rows(
            changes,
            start=subscription.start_date,
            window_start=invoice.period_start,
            window_end=invoice.period_end,
        )
        for difference in ec.diff(expected, lines):
            out.append(
                {
                    "provider_invoice": invoice.number,
                    "group": group.key,
                    "subscription": subscription.name,
                    "kind": difference.kind,
                    "charge_type": difference.charge_type,
                    "start": difference.start.isoformat(),
                    "quantity": difference.quantity,
                    "expected_unit_price": _text(difference.expected_unit_price),
                    "actual_unit_price": _text(difference.actual_unit_price),
                    "change": difference.change_id,
                    "row": rows.get(difference.line_id or 0),
                }
            )
    return out
