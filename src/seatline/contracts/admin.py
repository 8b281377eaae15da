# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyInline, ReadOnlyRowsMixin, SeatlineAdmin, date_range
from seatline.common.admin_actions import add_service_error
from seatline.contracts import services
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.errors import SeatlineError


class BillingScheduleInline(ReadOnlyInline):
    model = BillingSchedule
    fields = (
        "cycle_start",
        "cycle_end",
        "schedule_date",
        "status",
        "invoice",
        "run_type",
        "run_date",
        "message",
    )
    readonly_fields = fields
    ordering = ("-cycle_start",)


@admin.register(BillingContract)
class BillingContractAdmin(SeatlineAdmin):
    """Contracts are created and changed by `contracts.services` (validation, locked terms once a
    cycle is invoiced, audit, the next-invoice-date job); a refusal shows on its field. The
    invoicing and subscriptions apps add their actions (generate, preview, indexation)."""

    list_display = (
        "name",
        "account",
        "type",
        "frequency",
        "policy",
        "start_date",
        "end_date",
        "next_invoice_date",
        "currency",
        "status",
    )
    list_filter = (
        "status",
        "type",
        "frequency",
        "policy",
        "prorate_unit",
        "process_refunds",
        "currency",
        date_range("start_date"),
        date_range("next_invoice_date"),
    )
    search_fields = ("name", "account__name")
    autocomplete_fields = ("account", "price_list", "primary_billing_contact")
    readonly_fields = ("next_invoice_date",)
    inlines = (BillingScheduleInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "account",
                    "type",
                    "status",
                    "currency",
                    "price_list",
                    "primary_billing_contact",
                    "auto_send",
                )
            },
        ),
        (
            "Billing",
            {
                "fields": (
                    "frequency",
                    "policy",
                    "prorate_unit",
                    "start_date",
                    "end_date",
                    "auto_renew",
                    "renewal_term_months",
                    "payment_terms",
                    "invoice_offset_days",
                    "next_invoice_date",
                )
            },
        ),
        (
            "Changes, refunds, discounts",
            {
                "fields": (
                    "change_log_invoices",
                    "process_refunds",
                    "discount_percent",
                    "minimum_commitment",
                    "no_automatic_indexation",
                    "terminated_on",
                )
            },
        ),
    )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class CheckedByServices(form):  # type: ignore[valid-type, misc]
            """The service checks the input with the form (its refusal is a form error, nothing
            written); `save_model` then writes through the service."""

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if self.errors:
                    return data
                try:
                    if self.instance.pk is None:
                        services.new_contract(**self.service_values())
                    else:
                        services.check_changes(contract=self.instance, changes=self.service_changes())
                except SeatlineError as error:
                    add_service_error(self, error)
                return data

            def service_values(self) -> dict[str, Any]:
                return {name: value for name, value in self.cleaned_data.items() if value is not None}

            def service_changes(self) -> dict[str, Any]:
                return {
                    name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data
                }

        return CheckedByServices

    def save_model(self, request: HttpRequest, obj: BillingContract, form: Any, change: bool) -> None:
        if change:
            saved = services.update_contract(
                contract=BillingContract.objects.get(pk=obj.pk), changes=form.service_changes()
            )
        else:
            saved = services.create_contract(**form.service_values())
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()
        obj._audit_loaded = obj._audit_values()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            # The type is permanent once saved (a new contract is needed to change it).
            fields = [*fields, "type"]
        return fields


@admin.register(BillingSchedule)
class BillingScheduleAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    list_display = ("contract", "cycle_start", "cycle_end", "schedule_date", "status", "invoice", "run_type")
    list_filter = ("status", "run_type", date_range("cycle_start"), date_range("schedule_date"))
    search_fields = ("contract__name", "contract__account__name", "message")
    readonly_fields = (
        "contract",
        "cycle_index",
        "cycle_start",
        "cycle_end",
        "schedule_date",
        "status",
        "invoice",
        "run_type",
        "run_date",
        "message",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
