# SPDX-License-Identifier: AGPL-3.0-or-later
"""The `reconciliation` and `unmapped` output keys (docs/scenarios.md "Additions"): every active
provider invoice of the run reconciled again on the run's last day (docs/reconciliation-rules.md 4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seatline.provider_invoices.models import InvoiceState, ProviderInvoice
from seatline.reconciliation.models import GroupSubscription, ReconciledLine, ReconciliationGroup
from seatline.reconciliation.services import reconcile_invoice
from seatline.simulate import output


def reconcile_all(provider_ids: list[int]) -> None:
    """Recompute the reconciliation of every active provider invoice of the scenario's providers."""
    for invoice in ProviderInvoice.objects.filter(
        provider_id__in=provider_ids, state=InvoiceState.ACTIVE
    ).order_by("period_start", "id"):
        reconcile_invoice(invoice=invoice)


def reconciliation_json(provider_ids: list[int], subscription_ids: Mapping[int, str]) -> dict[str, Any]:
    groups = (
        ReconciliationGroup.objects.filter(reconciliation__provider_invoice__provider_id__in=provider_ids)
        .select_related("reconciliation__provider_invoice")
        .order_by(
            "reconciliation__provider_invoice__period_start", "reconciliation__provider_invoice_id", "key"
        )
    )
    members: dict[int, list[str]] = {}
    for group_id, sub_id in GroupSubscription.objects.filter(group__in=groups).values_list(
        "group_id", "subscription_id"
    ):
        members.setdefault(group_id, []).append(subscription_ids.get(sub_id, str(sub_id)))
    reconciliation = []
    for group in groups:
        invoice = group.reconciliation.provider_invoice
        currency = invoice.currency
        reconciliation.append(
            {
                "provider_invoice": invoice.number,
                "subscriptions": sorted(members.get(group.pk, [])),
                "status": group.status,
                "provider_seat_days": group.provider_seat_days,
                "billed_seat_days": group.billed_seat_days,
                "seat_day_variance": group.seat_day_variance,
                "provider_cost": output.money(group.provider_cost, currency),
                "revenue": output.money(group.revenue, currency),
                "margin": output.money(group.margin, currency),
                "margin_percent": None if group.margin_percent is None else format(group.margin_percent, "f"),
                "leakage_amount": output.money(group.leakage_amount, currency),
                "flags": group.flags,
            }
        )
    unmapped = [
        {"provider_invoice": number, "row": row, "reason": reason}
        for number, row, reason in ReconciledLine.objects.filter(
            reconciliation__provider_invoice__provider_id__in=provider_ids, outcome=""
        )
        .order_by("reconciliation__provider_invoice__period_start", "line__row_number")
        .values_list("reconciliation__provider_invoice__number", "line__row_number", "reason")
    ]
    return {"reconciliation": reconciliation, "unmapped": unmapped}
