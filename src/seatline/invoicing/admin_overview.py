# SPDX-License-Identifier: AGPL-3.0-or-later
"""What matters first on a contract's page: its next invoice (date and a link to its preview),
active subscriptions with seats and MRR, open invoices, the latest billing schedules (added to the
contracts app's admin)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from seatline import clock
from seatline.common.choices import UNIT_MONTHS
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.invoicing.admin_document import money
from seatline.invoicing.models import Invoice
from seatline.subscriptions.models import Subscription


def _url(obj: Any) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def contract_overview(contract: BillingContract) -> SafeString:
    active = list(contract.subscriptions.filter(status=Subscription.Status.ACTIVE).order_by("name"))
    mrr: dict[str, Decimal] = defaultdict(Decimal)
    for subscription in active:
        mrr[subscription.currency] += (
            subscription.quantity * subscription.price / UNIT_MONTHS.get(subscription.sales_unit, 1)
        )
    open_invoices = list(
        Invoice.objects.filter(contract=contract, balance__gt=0).exclude(status="draft").order_by("due_date")
    )
    today = clock.today()
    context = {
        "contract": contract,
        "preview_url": reverse("admin:contracts_billingcontract_do_preview", args=[contract.pk]),
        "subscriptions": [
            {"obj": s, "url": _url(s), "price": money(s.price, s.currency)} for s in active[:20]
        ],
        "more_subscriptions": max(0, len(active) - 20),
        "seats": sum(s.quantity for s in active if s.kind == Subscription.Kind.LICENSE),
        "mrr": ", ".join(money(v.quantize(Decimal("0.01")), c) for c, v in sorted(mrr.items())) or "-",
        "invoices": [
            {"obj": i, "url": _url(i), "balance": money(i.balance, i.currency), "overdue": i.due_date < today}
            for i in open_invoices[:10]
        ],
        "schedules": [
            {"obj": s, "invoice_url": _url(s.invoice) if s.invoice_id else ""}
            for s in BillingSchedule.objects.filter(contract=contract)
            .select_related("invoice")
            .order_by("-cycle_start")[:6]
        ],
    }
    return SafeString(render_to_string("seatline/admin/contract_overview.html", context))


class ContractOverviewMixin:
    """The overview as the first section of a contract's page."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return [*fields, "overview"] if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        sets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != "overview"]})
            for name, options in super().get_fieldsets(request, obj)  # type: ignore[misc]
        ]
        if obj is not None:
            sets.insert(0, ("Overview", {"fields": ["overview"]}))
        return sets

    @admin.display(description="")
    def overview(self, obj: BillingContract) -> str:
        return contract_overview(obj)
