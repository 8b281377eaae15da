# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from unfold.decorators import action

from seatline.common.admin import ReadOnlyRowsMixin, SeatlineAdmin, date_range
from seatline.common.admin_actions import ServiceActionsMixin
from seatline.provider_invoices import admin_forms
from seatline.provider_invoices.models import (
    MappingTemplate,
    ProviderInvoice,
    ProviderInvoiceLine,
    ProviderInvoiceSettings,
)


@admin.register(ProviderInvoice)
class ProviderInvoiceAdmin(admin_forms.InvoiceActions, ServiceActionsMixin, ReadOnlyRowsMixin, SeatlineAdmin):
    service_actions = (
        ("deactivate-invoice", "Deactivate", "deactivate_view"),
        ("redownload", "Download again", "redownload_view"),
    )
    actions_list = ("open_import", "open_sync")
    list_display = (
        "number",
        "provider",
        "document_type",
        "period_start",
        "period_end",
        "state",
        "total",
        "difference",
        "tolerance",
        "line_count",
        "unmapped_count",
        "source",
    )
    list_filter = ("provider", "state", "source", "document_type", date_range("period_start"))
    search_fields = ("number", "amends_number", "file_name")
    readonly_fields = (
        "provider",
        "number",
        "document_type",
        "amends_number",
        "invoice_date",
        "period_start",
        "period_end",
        "currency",
        "total",
        "tax",
        "state",
        "error_code",
        "error_message",
        "difference",
        "provider_tolerance",
        "override_tolerance",
        "tolerance",
        "source",
        "template",
        "file_name",
        "content_hash",
        "line_count",
        "usage_line_count",
        "unmapped_count",
        "lines_link",
        "files",
        "imported_at",
        "deactivated_at",
        "deactivated_by",
        "replaced_at",
        "replaced_by",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @action(description="Import file", url_path="import-file", permissions=["view"])
    def open_import(self, request: HttpRequest) -> HttpResponse:
        return admin_forms.import_view(self, request)

    @action(description="Sync provider invoice", url_path="sync", permissions=["view"])
    def open_sync(self, request: HttpRequest) -> HttpResponse:
        return admin_forms.sync_view(self, request)

    def get_urls(self) -> list[Any]:
        extra = [
            path(
                "<int:object_id>/file/<str:which>.csv",
                self.admin_site.admin_view(self.download_csv),
                name="provider_invoices_providerinvoice_csv",
            )
        ]
        return extra + super().get_urls()

    def download_csv(self, request: HttpRequest, object_id: int, which: str) -> HttpResponse:
        invoice = get_object_or_404(ProviderInvoice, pk=object_id)
        if not self.has_view_permission(request, invoice) or which not in ("errors", "warnings"):
            return HttpResponse(status=404)
        body = invoice.errors_csv if which == "errors" else invoice.warnings_csv
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}-{which}.csv"'
        return response

    @admin.display(description="lines")
    def lines_link(self, obj: ProviderInvoice) -> str:
        url = (
            reverse("admin:provider_invoices_providerinvoiceline_changelist")
            + f"?invoice__id__exact={obj.pk}"
        )
        unmapped = f"{url}&match__exact="
        return format_html(
            '<a href="{}">{} line(s)</a> (<a href="{}">{} unmapped</a>)',
            url,
            obj.line_count,
            unmapped,
            obj.unmapped_count,
        )

    @admin.display(description="errors and warnings")
    def files(self, obj: ProviderInvoice) -> str:
        parts = []
        for which, body in (("errors", obj.errors_csv), ("warnings", obj.warnings_csv)):
            if body:
                url = reverse("admin:provider_invoices_providerinvoice_csv", args=[obj.pk, which])
                parts.append(format_html('<a href="{}">{}.csv</a>', url, which))
        return format_html(" · ".join(["{}"] * len(parts)), *parts) if parts else "none"


@admin.register(ProviderInvoiceLine)
class ProviderInvoiceLineAdmin(SeatlineAdmin):
    """Read-only; paginated by 100 (an invoice may have a million lines)."""

    list_per_page = 100
    show_full_result_count = False
    list_display = (
        "row_number",
        "invoice",
        "kind",
        "customer_name",
        "provider_subscription_id",
        "product_id",
        "sku_name",
        "charge_type",
        "billable_quantity",
        "subtotal",
        "total",
        "match",
        "subscription",
    )
    list_filter = ("kind", "match")
    search_fields = ("provider_subscription_id", "customer_tenant_id", "customer_name", "sku_name")
    list_select_related = ("invoice", "invoice__provider", "subscription")
    readonly_fields = ("raw_row",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProviderInvoiceLine]:
        return super().get_queryset(request).order_by("invoice_id", "row_number")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        names = [field.name for field in ProviderInvoiceLine._meta.fields if field.name not in ("id", "raw")]
        return [*names, "raw_row"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="raw row")
    def raw_row(self, obj: ProviderInvoiceLine) -> str:
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", obj.raw_fields().items())
        return format_html('<table class="text-sm">{}</table>', rows)


class MappingTemplateForm(forms.ModelForm):
    class Meta:
        model = MappingTemplate
        fields = ("key", "name", "kind", "columns", "date_formats", "description")


@admin.register(MappingTemplate)
class MappingTemplateAdmin(SeatlineAdmin):
    form = MappingTemplateForm
    list_display = ("name", "key", "kind", "shipped")
    list_filter = ("kind", "shipped")
    search_fields = ("name", "key")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.shipped:
            return False  # shipped templates are Seatline's; copy one to change it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.shipped or obj.invoices.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ProviderInvoiceSettings)
class ProviderInvoiceSettingsAdmin(SeatlineAdmin):
    list_display = ("provider", "usage_mismatch_tolerance", "currency", "sync_enabled", "sync_source")
    fields = (
        "provider",
        "usage_mismatch_tolerance",
        "currency",
        "sync_enabled",
        "sync_source",
        "notification_emails",
    )
