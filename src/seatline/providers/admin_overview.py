# SPDX-License-Identifier: AGPL-3.0-or-later
"""What matters first about a customer, on top of its account page: contracts, active
subscriptions with seats and MRR, open and overdue invoices with the balance, recent changes,
provisioning problems and agreements, each with a link (added to the customers app's admin)."""

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
from seatline.common.choices import UNIT_MONTHS, ProvisioningStatus
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.invoicing.admin_document import money
from seatline.invoicing.models import Invoice
from seatline.providers.models import Agreement
from seatline.subscriptions.models import LicenseChangeLog, Subscription


def _url(obj: Any) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def account_overview(account: Account) -> SafeString:
    today = clock.today()
    contracts = list(BillingContract.objects.filter(account=account).order_by("status", "name"))
    active = list(
        Subscription.objects.filter(account=account, status=Subscription.Status.ACTIVE)
        .select_related("contract")
        .order_by("contract__name", "name")
    )
    mrr: dict[str, Decimal] = defaultdict(Decimal)
    for subscription in active:
        months = UNIT_MONTHS.get(subscription.sales_unit, 1)
        mrr[subscription.currency] += subscription.quantity * subscription.price / months
    open_invoices = list(
        Invoice.objects.filter(account=account, balance__gt=0).exclude(status="draft").order_by("due_date")
    )
    balance: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in open_invoices:
        balance[invoice.currency] += invoice.balance
    changes = list(
        LicenseChangeLog.objects.filter(subscription__account=account)
        .select_related("subscription")
        .order_by("-effective_date", "-id")[:8]
    )
    problems = list(
        LicenseChangeLog.objects.filter(
            subscription__account=account, provisioning_status=ProvisioningStatus.FAILED
        )
        .select_related("subscription")
        .order_by("-id")[:10]
    )
    context = {
        "contracts": [
            {
                "obj": contract,
                "url": _url(contract),
                "subscriptions": contract.subscriptions.filter(status="active").count(),
            }
            for contract in contracts
        ],
        "subscriptions": [
            {"obj": s, "url": _url(s), "price": money(s.price, s.currency)} for s in active[:15]
        ],
        "more_subscriptions": max(0, len(active) - 15),
        "subscription_count": len(active),
        "seats": sum(s.quantity for s in active if s.kind == Subscription.Kind.LICENSE),
        "mrr": ", ".join(
            money(amount.quantize(Decimal("0.01")), currency) for currency, amount in sorted(mrr.items())
        )
        or "-",
        "invoices": [
            {"obj": i, "url": _url(i), "balance": money(i.balance, i.currency), "overdue": i.due_date < today}
            for i in open_invoices[:10]
        ],
        "overdue_count": sum(1 for i in open_invoices if i.due_date < today),
        "balance": ", ".join(money(amount, currency) for currency, amount in sorted(balance.items()))
        or "nothing due",
        "changes": [{"obj": c, "url": _url(c), "subscription_url": _url(c.subscription)} for c in changes],
        "problems": [{"obj": c, "url": _url(c)} for c in problems],
        "agreements": [
            {"obj": a, "url": _url(a)}
            for a in Agreement.objects.filter(account=account).select_related("template")
        ],
        "links": {
            "subscriptions": reverse("admin:subscriptions_subscription_changelist")
            + f"?account__id__exact={account.pk}",
            "invoices": reverse("admin:invoicing_invoice_changelist") + f"?account__id__exact={account.pk}",
        },
    }
    return SafeString(render_to_string("seatline/admin/account_overview.html", context))


class AccountOverviewMixin:
    """The overview as the first section of an account's page."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return [*fields, "overview"] if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        sets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is not None:
            sets.insert(0, ("Overview", {"fields": ("overview",)}))
        return sets

    @admin.display(description="")
    def overview(self, obj: Account) -> str:
        return account_overview(obj)
