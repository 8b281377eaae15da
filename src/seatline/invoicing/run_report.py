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
from urllib.parse import parse_qs, urlsplit

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.decorators import action

from seatline import clock
from seatline.errors import SeatlineError
from seatline.invoicing.models import InvoiceRun, InvoiceRunItem

MAX_RANGE_DAYS = 90
DEFAULT_RANGE_DAYS = 30  # the CSV of a list without a chosen range: the last 30 days
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

    actions_list = ("export_csv",)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.GET.get("format") == "csv":
            return self._csv(request, request.GET.get("run_date_from"), request.GET.get("run_date_to"))
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    @action(description="Download CSV", url_path="export-csv", icon="download")
    def export_csv(self, request: HttpRequest) -> HttpResponse:
        """The CSV of the run dates filtered on the list (the button keeps the list's range)."""
        query = parse_qs(urlsplit(request.META.get("HTTP_REFERER", "")).query)
        return self._csv(
            request,
            request.GET.get("run_date_from") or (query.get("run_date_from") or [None])[0],
            request.GET.get("run_date_to") or (query.get("run_date_to") or [None])[0],
        )

    def _csv(self, request: HttpRequest, start: str | None, end: str | None) -> HttpResponse:
        """CSV of the runs from `start` to `end` (default: the last 30 days); a refused range goes
        back to the list with the reason."""
        today = clock.today()
        try:
            last = dt.date.fromisoformat(end) if end else today
            first = (
                dt.date.fromisoformat(start) if start else last - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
            )
            runs = runs_between(first, last)
        except ValueError:
            error_text = "the run dates of the range are not dates (YYYY-MM-DD)"
        except SeatlineError as error:
            error_text = error.message
        else:
            return csv_response(runs, filename=f"invoicing-runs-{first.isoformat()}-{last.isoformat()}.csv")
        messages.error(request, f"No CSV: {error_text}.")
        return HttpResponseRedirect(reverse("admin:invoicing_invoicerun_changelist"))

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
