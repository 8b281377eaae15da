# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Invoicing Run report: per run, contracts considered, invoiced, skipped (reason), failed (error).

In the back office (InvoiceRun list, date-range filter up to 90 days, "only failed" and "hide empty"
filters) and as CSV (`?format=csv` on the list, or `report_rows()`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse

from seatline.errors import SeatlineError
from seatline.invoicing.models import InvoiceRun, InvoiceRunItem

MAX_RANGE_DAYS = 90
CSV_HEADER = (
    "run_id",
    "run_date",
    "mode",
    "invoice_type",
    "contract_id",
    "contract",
    "status",
    "reason",
    "invoices",
)


def runs_between(start: dt.date, end: dt.date) -> QuerySet[InvoiceRun]:
    if end < start:
        raise SeatlineError("invalid_range", "the end of the range is before its start", field="end")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise SeatlineError("range_too_long", f"a report covers at most {MAX_RANGE_DAYS} days", field="end")
    return with_counts(InvoiceRun.objects.filter(run_date__range=(start, end)))


def with_counts(queryset: QuerySet[InvoiceRun]) -> QuerySet[InvoiceRun]:
    return queryset.annotate(
        n_considered=Count("items"),
        n_invoiced=Count("items", filter=Q(items__status=InvoiceRunItem.Status.INVOICED)),
        n_skipped=Count("items", filter=Q(items__status=InvoiceRunItem.Status.SKIPPED)),
        n_failed=Count("items", filter=Q(items__status=InvoiceRunItem.Status.FAILED)),
    )


def report_rows(runs: QuerySet[InvoiceRun]) -> Iterator[tuple[Any, ...]]:
    items = (
        InvoiceRunItem.objects.filter(run__in=runs)
        .select_related("run", "contract")
        .prefetch_related("invoices")
        .order_by("run__run_date", "run_id", "contract_id")
    )
    for item in items:
        yield (
            item.run_id,
            item.run.run_date.isoformat(),
            item.run.mode,
            item.run.invoice_type,
            item.contract_id,
            item.contract.name,
            item.status,
            item.reason,
            " ".join(str(invoice) for invoice in item.invoices.all()),
        )


def csv_response(runs: QuerySet[InvoiceRun], filename: str = "invoicing-runs.csv") -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    writer.writerows(report_rows(runs))
    return response


class OnlyFailedFilter(admin.SimpleListFilter):
    title = "show"
    parameter_name = "show"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failed", "Only runs with failures"), ("nonempty", "Hide empty runs")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[InvoiceRun]) -> QuerySet[InvoiceRun]:
        if self.value() == "failed":
            return queryset.filter(n_failed__gt=0)
        if self.value() == "nonempty":
            return queryset.filter(n_considered__gt=0)
        return queryset


class RunReportMixin:
    """Counts on the list, 'only failed' / 'hide empty' filters, CSV export of the filtered runs."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceRun]:
        return with_counts(super().get_queryset(request))  # type: ignore[misc]

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [*super().get_list_filter(request), OnlyFailedFilter]  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.GET.get("format") == "csv":
            start = request.GET.get("run_date_from")
            end = request.GET.get("run_date_to")
            try:
                if not (start and end):
                    raise SeatlineError(
                        "range_required", "choose a run date range (at most 90 days)", field="run_date"
                    )
                runs = runs_between(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
            except (SeatlineError, ValueError) as error:
                return HttpResponse(str(error), status=400, content_type="text/plain")
            return csv_response(runs)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    @admin.display(description="considered")
    def considered(self, obj: InvoiceRun) -> int:
        return obj.n_considered  # type: ignore[attr-defined]

    @admin.display(description="invoiced")
    def invoiced(self, obj: InvoiceRun) -> int:
        return obj.n_invoiced  # type: ignore[attr-defined]

    @admin.display(description="skipped")
    def skipped(self, obj: InvoiceRun) -> int:
        return obj.n_skipped  # type: ignore[attr-defined]

    @admin.display(description="failed")
    def failed(self, obj: InvoiceRun) -> int:
        return obj.n_failed  # type: ignore[attr-defined]
