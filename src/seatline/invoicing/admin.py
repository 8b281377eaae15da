# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyInline, ReadOnlyRowsMixin, SeatlineAdmin, date_range, extend_admin
from seatline.contracts.models import BillingContract
from seatline.invoicing.admin_actions import ContractInvoicingActionsMixin
from seatline.invoicing.admin_document import invoice_document, money
from seatline.invoicing.admin_overview import ContractOverviewMixin
from seatline.invoicing.models import ChangeLine, Invoice, InvoiceLine, InvoiceRun, InvoiceRunItem, InvoiceTax
from seatline.invoicing.run_report import RunReportMixin
from seatline.subscriptions.admin_actions import register_previewer
from seatline.subscriptions.models import LicenseChangeLog

# Generate and preview invoices on the contracts app's admin (contracts sits below invoicing).
extend_admin(BillingContract, ContractInvoicingActionsMixin)
extend_admin(BillingContract, ContractOverviewMixin)


def describe_change_lines(change: LicenseChangeLog) -> list[list[str]]:
    """The change lines recording `change` computed: what a quantity change or deactivation bills
    (a proration) or credits (a refund), for the preview before it is confirmed."""
    return [
        [
            f"{line.get_type_display()}: {line.description}",
            f"{line.period_start:%d %b %Y} – {line.period_end:%d %b %Y}",
            f"{line.quantity:+d}",
            money(line.amount - line.discount, line.currency),
        ]
        for line in ChangeLine.objects.filter(change=change).order_by("period_start", "id")
    ]


# The subscription actions preview a change with it (subscriptions sits below invoicing).
register_previewer(describe_change_lines)

LINE_FIELDS = (
    "position",
    "type",
    "description",
    "subscription",
    "period_start",
    "period_end",
    "quantity",
    "unit_price",
    "amount",
    "discount",
    "net",
    "taxable",
)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS


class InvoiceTaxInline(ReadOnlyInline):
    model = InvoiceTax
    fields = ("name", "percent", "amount")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    """An invoice's page is the document itself (no edit controls, no Save): documents are made by
    the billing services; its actions (send, payments) are the buttons above it."""

    list_display = (
        "__str__",
        "account",
        "contract",
        "kind",
        "status",
        "invoice_date",
        "due_date",
        "total",
        "balance",
        "currency",
    )
    list_filter = ("status", "kind", "currency", date_range("invoice_date"), date_range("due_date"))
    search_fields = ("number", "account__name", "contract__name")
    inlines = (InvoiceLineInline, InvoiceTaxInline)
    date_hierarchy = "invoice_date"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Documents are produced by the billing services; in the back office they are read-only.
        return [field.name for field in Invoice._meta.concrete_fields] + [
            "audit_trail",
            "document",
            "warnings_display",
        ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)
        sets: list[Any] = [(None, {"fields": ("document",)})]
        own = {field.name for field in Invoice._meta.concrete_fields} | {
            "audit_trail",
            "document",
            "warnings_display",
        }
        added = [name for name in self.get_readonly_fields(request, obj) if name not in own]
        if added:  # what the apps above add (the documents app: the PDF)
            sets.append(("Document", {"fields": added}))
        if obj.warnings:
            sets.append(("Warnings", {"fields": ("warnings_display",)}))
        sets.append(("Audit trail", {"fields": ("audit_trail",), "classes": ("collapse",)}))
        return sets

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # The lines and taxes are on the document itself; what the apps above add (the e-mail log) stays.
        instances = super().get_inline_instances(request, obj)
        shown_in_document = (InvoiceLineInline, InvoiceTaxInline)
        return (
            [i for i in instances if not isinstance(i, shown_in_document)] if obj is not None else instances
        )

    @admin.display(description="")
    def document(self, obj: Invoice) -> str:
        return invoice_document(obj)

    @admin.display(description="Warnings")
    def warnings_display(self, obj: Invoice) -> str:
        return "; ".join(str(warning) for warning in obj.warnings)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and not obj.is_issued and super().has_delete_permission(request, obj)


class InvoiceRunItemInline(ReadOnlyInline):
    model = InvoiceRunItem
    fields = ("contract", "status", "reason", "invoice_numbers", "at")
    readonly_fields = fields
    show_change_link = False

    @admin.display(description="invoices")
    def invoice_numbers(self, obj: InvoiceRunItem) -> str:
        return ", ".join(str(invoice) for invoice in obj.invoices.all()) or "-"


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyRowsMixin, RunReportMixin, SeatlineAdmin):
    list_display = (
        "run_date",
        "invoice_type",
        "mode",
        "considered",
        "invoiced",
        "skipped",
        "failed",
        "finished_at",
    )
    list_filter = ("invoice_type", "mode", date_range("run_date"))
    inlines = (InvoiceRunItemInline,)
    readonly_fields = ("run_date", "mode", "invoice_type", "started_at", "finished_at", "job")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a report: read-only, no Delete


@admin.register(InvoiceRunItem)
class InvoiceRunItemAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    list_display = ("run", "contract", "status", "reason", "at")
    list_filter = ("status", "run__invoice_type", date_range("run__run_date"))
    search_fields = ("contract__name", "contract__account__name", "reason")
    readonly_fields = ("run", "contract", "status", "reason", "invoices", "at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a line of a report


class PendingFilter(admin.SimpleListFilter):
    title = "on a document"
    parameter_name = "on_document"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "No (pending)"), ("yes", "Yes")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("no", "yes"):
            return queryset.filter(invoice_line__isnull=self.value() == "no")
        return queryset


@admin.register(ChangeLine)
class ChangeLineAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    """Change lines are computed when their change is recorded and never edited (docs/billing.md 6)."""

    list_display = (
        "subscription",
        "change",
        "type",
        "quantity",
        "period_start",
        "period_end",
        "amount",
        "discount",
        "currency",
        "document",
    )
    list_filter = (PendingFilter, "type", date_range("period_start"))
    search_fields = ("subscription__name", "contract__name", "contract__account__name")
    list_select_related = ("subscription", "change__subscription", "invoice_line__invoice")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in ChangeLine._meta.concrete_fields] + ["document"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="document")
    def document(self, obj: ChangeLine) -> str:
        line = getattr(obj, "invoice_line", None)
        return str(line.invoice) if line is not None else "pending"
