# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyInline, SeatlineAdmin, date_range
from seatline.contracts.admin_actions import ContractActionsMixin
from seatline.contracts.models import BillingContract, BillingSchedule


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
class BillingContractAdmin(ContractActionsMixin, SeatlineAdmin):
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

    def save_model(self, request: HttpRequest, obj: BillingContract, form: Any, change: bool) -> None:
        from seatline.jobs.services import enqueue

        super().save_model(request, obj, form, change)
        if not change or {"start_date", "end_date", "frequency", "invoice_offset_days", "auto_renew"} & set(
            form.changed_data
        ):
            # Dates that decide the next invoice changed: recompute it (a job, in this transaction).
            enqueue(
                "update_next_invoice_date",
                parameters={"contract_id": obj.pk},
                related=obj,
                dedupe_key=f"next-invoice-date:{obj.pk}",
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            # The type is permanent once saved (a new contract is needed to change it).
            fields = [*fields, "type"]
        return fields


@admin.register(BillingSchedule)
class BillingScheduleAdmin(SeatlineAdmin):
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
