# SPDX-License-Identifier: AGPL-3.0-or-later
"""The figures of the back-office dashboards (reads only).

Amounts are Decimal, per currency (a tenant may bill in several), rounded once per currency with
`core.money.quantize`. "Today" comes from `seatline.clock`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from seatline import clock
from seatline.common.choices import UNIT_MONTHS, ProvisioningStatus
from seatline.core.money import quantize
from seatline.invoicing.models import OPEN_STATUSES, Invoice, InvoiceKind, InvoiceStatus
from seatline.jobs.models import Job, JobStatus
from seatline.payments.selectors import outcome_counts
from seatline.provider_invoices.models import InvoiceState, ProviderInvoice
from seatline.subscriptions.models import LicenseChangeLog, Subscription

OPEN = OPEN_STATUSES
ISSUED = (*OPEN_STATUSES, InvoiceStatus.PAID)
MONTHS = 12


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


def _money(totals: dict[str, Decimal]) -> list[Money]:
    return [Money(quantize(amount, currency), currency) for currency, amount in sorted(totals.items())]


def _by_currency(rows: Iterable[dict[str, Any]], key: str = "total") -> list[Money]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["currency"]] += row[key] or Decimal("0")
    return _money(totals)


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, oldest first (the current month last)."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


# -- billing administrator ----------------------------------------------------------------------
@dataclass
class BillingFigures:
    drafts: int
    draft_totals: list[Money]
    due: int
    due_totals: list[Money]
    overdue: int
    overdue_totals: list[Money]
    failed_jobs: int
    recent_failed_jobs: list[Job]
    provisioning_failed: int
    provisioning_awaiting: int
    unmapped_lines: int
    provider_invoices_with_unmapped: int
    overdue_invoices: list[Invoice] = field(default_factory=list)


def billing_figures(today: dt.date | None = None) -> BillingFigures:
    today = today or clock.today()
    drafts = Invoice.objects.filter(status=InvoiceStatus.DRAFT)
    open_ = Invoice.objects.filter(status__in=OPEN, balance__gt=0)
    due = open_.filter(due_date__gte=today)
    overdue = open_.filter(due_date__lt=today)
    failed_jobs = Job.objects.filter(status=JobStatus.FAILED)
    changes = LicenseChangeLog.objects.aggregate(
        failed=Count("id", filter=Q(provisioning_status=ProvisioningStatus.FAILED)),
        awaiting=Count("id", filter=Q(provisioning_status=ProvisioningStatus.AWAITING)),
    )
    provider = ProviderInvoice.objects.filter(state=InvoiceState.ACTIVE, unmapped_count__gt=0).aggregate(
        lines=Coalesce(Sum("unmapped_count"), 0), invoices=Count("id")
    )
    return BillingFigures(
        drafts=drafts.count(),
        draft_totals=_by_currency(drafts.values("currency", "total")),
        due=due.count(),
        due_totals=_by_currency(due.values("currency", "balance"), "balance"),
        overdue=overdue.count(),
        overdue_totals=_by_currency(overdue.values("currency", "balance"), "balance"),
        failed_jobs=failed_jobs.count(),
        recent_failed_jobs=list(failed_jobs.order_by("-id")[:5]),
        provisioning_failed=changes["failed"],
        provisioning_awaiting=changes["awaiting"],
        unmapped_lines=provider["lines"],
        provider_invoices_with_unmapped=provider["invoices"],
        overdue_invoices=list(overdue.select_related("account").order_by("due_date", "id")[:5]),
    )


# -- manager ------------------------------------------------------------------------------------
@dataclass
class ManagerFigures:
    mrr: list[Money]
    arr: list[Money]
    months: list[dt.date]
    revenue_by_month: dict[str, list[Decimal]]  # currency -> one amount per month
    seats_by_product: list[tuple[str, int]]
    top_customers: list[tuple[str, Money]]
    churned_by_month: list[int]
    churned_seats: int


def recurring_revenue() -> dict[str, Decimal]:
    """Monthly recurring revenue per currency: active licence and service subscriptions, each
    quantity × unit price per month of its sales unit (usage is not recurring)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    rows = Subscription.objects.filter(status=Subscription.Status.ACTIVE).exclude(
        kind=Subscription.Kind.USAGE
    )
    for row in rows.values("currency", "quantity", "price", "sales_unit"):
        totals[row["currency"]] += row["quantity"] * row["price"] / UNIT_MONTHS[row["sales_unit"]]
    return totals


def manager_figures(today: dt.date | None = None) -> ManagerFigures:
    today = today or clock.today()
    months = month_starts(today)
    since = months[0]
    mrr = recurring_revenue()
    issued = Invoice.objects.filter(status__in=ISSUED, invoice_date__gte=since, invoice_date__lte=today)
    revenue: dict[str, list[Decimal]] = {}
    for row in (
        issued.annotate(month=TruncMonth("invoice_date"))
        .values("currency", "month")
        .annotate(total=Sum("total"))
    ):
        series = revenue.setdefault(row["currency"], [Decimal("0")] * len(months))
        series[months.index(row["month"])] += row["total"]
    revenue = {
        currency: [quantize(amount, currency) for amount in series]
        for currency, series in sorted(revenue.items())
    }
    seats = (
        Subscription.objects.filter(status=Subscription.Status.ACTIVE, kind=Subscription.Kind.LICENSE)
        .annotate(label=Coalesce("product__name", "name"))
        .values("label")
        .annotate(seats=Sum("quantity"))
        .order_by("-seats", "label")[:10]
    )
    customers = (
        issued.exclude(kind=InvoiceKind.CREDIT_NOTE)
        .values("account__name", "currency")
        .annotate(total=Sum("total"))
        .order_by("-total", "account__name")[:5]
    )
    churn = [0] * len(months)
    lost = (
        LicenseChangeLog.objects.filter(
            kind__in=(LicenseChangeLog.Kind.DECREASE, LicenseChangeLog.Kind.DEACTIVATE),
            effective_date__gte=since,
            effective_date__lte=today,
        )
        .annotate(month=TruncMonth("effective_date"))
        .values("month")
        .annotate(seats=Sum("delta"))
    )
    for row in lost:
        churn[months.index(row["month"])] += -int(row["seats"] or 0)
    return ManagerFigures(
        mrr=_money(mrr),
        arr=_money({currency: amount * 12 for currency, amount in mrr.items()}),
        months=months,
        revenue_by_month=revenue,
        seats_by_product=[(row["label"], int(row["seats"])) for row in seats],
        top_customers=[
            (row["account__name"], Money(quantize(row["total"], row["currency"]), row["currency"]))
            for row in customers
        ],
        churned_by_month=churn,
        churned_seats=sum(churn),
    )


# -- payments -----------------------------------------------------------------------------------
def payment_counts() -> dict[str, int]:
    """Payments per outcome, from the payments app's own dashboard figures."""
    return outcome_counts()
