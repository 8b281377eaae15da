# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office of the reconciliation (docs/reconciliation.md "Back office").

* Reconciliations: one page per provider invoice with the totals (provider cost, revenue, margin,
  leakage, money at stake in unmapped lines), the groups per status (links to the filtered group
  list) and the unmapped queue grouped by reason; "Reconcile again"; CSV exports.
* Groups: filterable by status and flags; a group's page drills down to its provider lines and
  the customer invoice lines behind it; actions "Bill the missing seat-days", "Credit the
  customer", "Dismiss".
* Unmapped queue (reconciled lines): filter by reason; bulk "Map to ..." and "Ignore ...".
* Mapping rules: read-only list (created by mapping/ignoring), "Deactivate".
Every write is a service call; a refusal shows on the form and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from unfold.decorators import action

from seatline.audit.context import acting_as
from seatline.catalog.models import Product
from seatline.common.admin import SeatlineAdmin, ServiceRowsOnlyMixin
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.reconciliation import actions, reports, selectors, services
from seatline.reconciliation.models import (
    GroupStatus,
    MappingRule,
    ReconciledLine,
    Reconciliation,
    ReconciliationGroup,
)
from seatline.subscriptions.models import Subscription


def _link(viewname: str, query: str, text: Any) -> str:
    return format_html('<a class="text-primary-600" href="{}?{}">{}</a>', reverse(viewname), query, text)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NoInputForm(forms.Form):
    pass


@admin.register(Reconciliation)
class ReconciliationAdmin(ServiceActionsMixin, ServiceRowsOnlyMixin, SeatlineAdmin):
    service_actions = (("rerun", "Reconcile again", "rerun_view"),)
    actions_list = ("open_reports",)
    list_display = (
        "provider_invoice",
        "currency",
        "provider_cost",
        "revenue",
        "margin",
        "margin_percent",
        "leakage_amount",
        "unmapped_amount",
        "group_count",
        "unmapped_count",
        "computed_at",
    )
    list_filter = ("provider_invoice__provider",)
    search_fields = ("provider_invoice__number",)
    list_select_related = ("provider_invoice", "provider_invoice__provider")
    readonly_fields = (
        "provider_invoice",
        "currency",
        "provider_cost",
        "revenue",
        "margin",
        "margin_percent",
        "leakage_amount",
        "unmapped_amount",
        "groups_by_status",
        "unmapped_queue",
        "exports",
        "computed_at",
        "runs",
    )
    fields = readonly_fields

    @action(description="Reports", url_path="reports", permissions=["view"])
    def open_reports(self, request: HttpRequest) -> HttpResponse:
        by = request.GET.get("by", "")
        if by in reports.REPORTS and request.GET.get("format") == "csv":
            body = selectors.to_csv(reports.columns(by), reports.report(by))
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="reconciliation-by-{by}.csv"'
            return response
        tables = []
        for name in ("customer", "product", "month"):
            rows = reports.report(name)
            top = max((abs(r["margin"]) for r in rows), default=Decimal(0)) or Decimal(1)
            for row in rows:
                row["bar"] = int(abs(row["margin"]) * 100 / top)
            tables.append({"by": name, "columns": reports.columns(name), "rows": rows})
        context = {
            **self.admin_site.each_context(request),
            "title": "Reconciliation reports: margin by customer, product and month; leakage by month",
            "tables": tables,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "seatline/admin/reconciliation_reports.html", context)

    def get_urls(self) -> list[Any]:
        extra = [
            path(
                "<int:object_id>/export/<str:which>.csv",
                self.admin_site.admin_view(self.export_csv),
                name="reconciliation_reconciliation_csv",
            )
        ]
        return extra + super().get_urls()

    def export_csv(self, request: HttpRequest, object_id: int, which: str) -> HttpResponse:
        recon = Reconciliation.objects.filter(pk=object_id).select_related("provider_invoice").first()
        if (
            recon is None
            or not self.has_view_permission(request, recon)
            or which not in ("groups", "unmapped")
        ):
            return HttpResponse(status=404)
        if which == "groups":
            body = selectors.to_csv(selectors.GROUP_COLUMNS, selectors.group_rows(recon))
        else:
            body = selectors.to_csv(selectors.UNMAPPED_COLUMNS, selectors.unmapped_rows(recon))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{recon.provider_invoice.number}-{which}.csv"'
        )
        return response

    @admin.display(description="groups by status")
    def groups_by_status(self, obj: Reconciliation) -> str:
        rows = []
        for status, label in GroupStatus.choices:
            count = obj.groups.filter(status=status).count()
            query = f"reconciliation__id__exact={obj.pk}&status__exact={status}"
            rows.append((_link("admin:reconciliation_reconciliationgroup_changelist", query, label), count))
        return format_html(
            '<table class="text-sm">{}</table>', format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows)
        )

    @admin.display(description="unmapped queue (money at stake)")
    def unmapped_queue(self, obj: Reconciliation) -> str:
        rows = []
        for entry in selectors.unmapped_by_reason(obj):
            query = f"reconciliation__id__exact={obj.pk}&outcome__exact=&reason__exact={entry['reason']}"
            rows.append(
                (
                    _link("admin:reconciliation_reconciledline_changelist", query, entry["reason"]),
                    len(entry["lines"]),
                    selectors.money(entry["amount"], obj.currency),
                )
            )
        if not rows:
            return "none"
        return format_html(
            '<table class="text-sm">{}</table>',
            format_html_join("", "<tr><td>{}</td><td>{} line(s)</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="CSV")
    def exports(self, obj: Reconciliation) -> str:
        return format_html_join(
            " · ",
            '<a href="{}">{}.csv</a>',
            (
                (reverse("admin:reconciliation_reconciliation_csv", args=[obj.pk, which]), which)
                for which in ("groups", "unmapped")
            ),
        )

    def rerun_view(self, request: HttpRequest, obj: Reconciliation) -> HttpResponse:
        form = NoInputForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                recon = services.reconcile_invoice(invoice=obj.provider_invoice)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, recon, f"Reconciled again (run {recon.runs}).")
        return self.render_action(
            request,
            obj,
            title="Reconcile again",
            intro="Compute the groups again from the stored data.",
            form=form,
        )


@admin.register(ReconciliationGroup)
class ReconciliationGroupAdmin(ServiceActionsMixin, ServiceRowsOnlyMixin, SeatlineAdmin):
    service_actions = (
        ("bill-missing", "Bill the missing seat-days", "bill_view"),
        ("credit-customer", "Credit the customer", "credit_view"),
        ("dismiss", "Dismiss", "dismiss_view"),
    )
    list_display = (
        "description",
        "reconciliation",
        "status",
        "provider_seat_days",
        "billed_seat_days",
        "seat_day_variance",
        "provider_cost",
        "revenue",
        "margin",
        "margin_percent",
        "leakage_amount",
        "price_changed_within_term",
        "negative_margin",
        "resolution",
    )
    list_filter = ("status", "price_changed_within_term", "negative_margin", "resolution", "reconciliation")
    search_fields = ("description", "key")
    list_select_related = ("reconciliation__provider_invoice",)
    readonly_fields = (
        "reconciliation",
        "description",
        "status",
        "provider_seat_days",
        "billed_seat_days",
        "seat_day_variance",
        "provider_cost",
        "revenue",
        "margin",
        "margin_percent",
        "leakage_amount",
        "flags_shown",
        "subscriptions_shown",
        "provider_lines",
        "invoice_lines",
        "resolution",
        "resolution_reason",
        "resolution_invoice",
        "resolved_at",
        "resolved_by",
    )
    fields = readonly_fields

    @admin.display(description="flags")
    def flags_shown(self, obj: ReconciliationGroup) -> str:
        return ", ".join(obj.flags) or "none"

    @admin.display(description="subscriptions")
    def subscriptions_shown(self, obj: ReconciliationGroup) -> str:
        return "; ".join(selectors.subscription_names([obj]).get(obj.pk, [])) or "none"

    @admin.display(description="provider lines")
    def provider_lines(self, obj: ReconciliationGroup) -> str:
        rows = [
            (
                reverse("admin:provider_invoices_providerinvoiceline_change", args=[item.line_id]),
                item.line.row_number,
                item.line.charge_type,
                item.line.billable_quantity.normalize(),
                item.line.charge_start,
                item.line.charge_end,
                item.line.subtotal.normalize(),
                item.get_outcome_display(),
            )
            for item in obj.lines.select_related("line").order_by("line__row_number")[:200]
        ]
        return format_html(
            '<table class="text-sm">{}</table>',
            format_html_join(
                "",
                '<tr><td><a href="{}">row {}</a></td><td>{}</td><td>{}</td><td>{}..{}</td><td>{}</td><td>{}</td></tr>',
                rows,
            ),
        )

    @admin.display(description="customer invoice lines")
    def invoice_lines(self, obj: ReconciliationGroup) -> str:
        rows = [
            (
                reverse("admin:invoicing_invoice_change", args=[line.invoice_id]),
                line.invoice.number or line.invoice_id,
                line.type,
                line.quantity.normalize(),
                line.period_start,
                line.period_end,
                line.net,
            )
            for line in obj.customer_lines.select_related("invoice").order_by("invoice_id", "id")[:200]
        ]
        if not rows:
            return "none"
        return format_html(
            '<table class="text-sm">{}</table>',
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}..{}</td><td>{}</td></tr>',
                rows,
            ),
        )

    def _act(
        self, request: HttpRequest, obj: ReconciliationGroup, title: str, intro: str, run: Any
    ) -> HttpResponse:
        form = ReasonForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                message = run(form.cleaned_data["reason"])
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                messages.success(request, message)
                recon = Reconciliation.objects.get(provider_invoice_id=obj.reconciliation.provider_invoice_id)
                return HttpResponseRedirect(
                    reverse("admin:reconciliation_reconciliation_change", args=[recon.pk])
                )
        return self.render_action(request, obj, title=title, intro=intro, form=form)

    def bill_view(self, request: HttpRequest, obj: ReconciliationGroup) -> HttpResponse:
        def run(reason: str) -> str:
            invoice = actions.bill_missing_seat_days(group=obj)
            return f"Billed: {invoice or 'on the next regular invoice'}; reconciled again."

        return self._act(
            request,
            obj,
            "Bill the missing seat-days",
            "Records the provider's extra seats as back-dated quantity changes and bills exactly those "
            "seat-days on a change-log invoice now. (The reason is not needed.)",
            run,
        )

    def credit_view(self, request: HttpRequest, obj: ReconciliationGroup) -> HttpResponse:
        def run(reason: str) -> str:
            notes = actions.credit_customer(group=obj, reason=reason)
            return f"Credit note(s) {', '.join(str(n) for n in notes)} issued; reconciled again."

        return self._act(
            request,
            obj,
            "Credit the customer",
            "Issues a credit note for the seat-days billed beyond the provider's, pro rata of the lines that "
            "billed them. A reason is required.",
            run,
        )

    def dismiss_view(self, request: HttpRequest, obj: ReconciliationGroup) -> HttpResponse:
        def run(reason: str) -> str:
            services.dismiss_group(group=obj, reason=reason)
            return "Dismissed."

        return self._act(request, obj, "Dismiss", "Keeps the variance, with a reason (required).", run)


class MapForm(forms.Form):
    subscription = forms.ModelChoiceField(
        queryset=Subscription.objects.exclude(kind="usage").order_by("name"), required=False
    )
    account = forms.ModelChoiceField(queryset=Account.objects.order_by("name"), required=False)
    product = forms.ModelChoiceField(queryset=Product.objects.order_by("name"), required=False)


@admin.register(ReconciledLine)
class ReconciledLineAdmin(ServiceRowsOnlyMixin, SeatlineAdmin):
    """The unmapped queue (filter outcome = Unmapped) and every reconciled licence line."""

    list_per_page = 100
    list_display = ("line", "reconciliation", "outcome", "reason", "amount", "customer", "product", "group")
    list_filter = ("outcome", "reason", "reconciliation")
    search_fields = ("line__provider_subscription_id", "line__customer_tenant_id", "line__customer_name")
    list_select_related = ("line", "reconciliation__provider_invoice", "group")
    readonly_fields = (
        "reconciliation",
        "line",
        "group",
        "outcome",
        "reason",
        "rule",
        "price_changed",
        "amount",
    )
    fields = readonly_fields
    actions = ("map_selected", "ignore_selected")

    @admin.display(description="customer")
    def customer(self, obj: ReconciledLine) -> str:
        return obj.line.customer_name or obj.line.customer_tenant_id

    @admin.display(description="product")
    def product(self, obj: ReconciledLine) -> str:
        return obj.line.sku_name or f"{obj.line.product_id}:{obj.line.sku_id}"

    def _bulk(
        self, request: HttpRequest, queryset: QuerySet[ReconciledLine], form: forms.Form, title: str, run: Any
    ) -> Any:
        if "apply" in request.POST and form.is_valid():
            try:
                with acting_as(request.user.get_username()):
                    rules = run(list(queryset), form.cleaned_data)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                self.message_user(request, f"{len(rules)} mapping rule(s) saved; reconciled again.")
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "seatline/admin/reconciliation_bulk.html", context)

    @admin.action(description="Map the selected lines (saves a rule)", permissions=["change"])
    def map_selected(self, request: HttpRequest, queryset: QuerySet[ReconciledLine]) -> Any:
        form = MapForm(request.POST if "apply" in request.POST else None)
        return self._bulk(
            request,
            queryset,
            form,
            "Map unmapped lines to a subscription, or to a customer and a product",
            lambda lines, data: services.map_lines(
                lines=lines,
                subscription=data["subscription"],
                account=data["account"],
                product=data["product"],
            ),
        )

    @admin.action(description="Ignore the selected lines (with a reason)", permissions=["change"])
    def ignore_selected(self, request: HttpRequest, queryset: QuerySet[ReconciledLine]) -> Any:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        return self._bulk(
            request,
            queryset,
            form,
            "Ignore unmapped lines",
            lambda lines, data: services.ignore_lines(lines=lines, reason=data["reason"]),
        )


@admin.register(MappingRule)
class MappingRuleAdmin(ServiceActionsMixin, ServiceRowsOnlyMixin, SeatlineAdmin):
    service_actions = (("deactivate-rule", "Deactivate", "deactivate_view"),)
    list_display = (
        "provider",
        "provider_subscription_id",
        "tenant",
        "part",
        "action",
        "subscription",
        "account",
        "product",
        "reason",
        "active",
        "created_by",
        "created_at",
    )
    list_filter = ("provider", "action", "active")
    search_fields = ("provider_subscription_id", "tenant", "part", "reason")
    readonly_fields = (
        "provider",
        "provider_subscription_id",
        "tenant",
        "part",
        "action",
        "subscription",
        "account",
        "product",
        "reason",
        "created_by",
        "active",
    )
    fields = readonly_fields

    def deactivate_view(self, request: HttpRequest, obj: MappingRule) -> HttpResponse:
        form = NoInputForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.deactivate_rule(rule=obj)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, obj, "The mapping rule no longer applies to later reconciliations.")
        return self.render_action(
            request,
            obj,
            title="Deactivate the mapping rule",
            intro="Later reconciliations ignore it.",
            form=form,
        )
