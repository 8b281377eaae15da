# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyInline, ReadOnlyRowsMixin, SeatlineAdmin, date_range, extend_admin
from seatline.common.admin_actions import CreatedByServiceMixin
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions import services
from seatline.subscriptions.admin_actions import ContractIndexationActionsMixin, SubscriptionActionsMixin
from seatline.subscriptions.admin_catalog import ProductDefaultsMixin
from seatline.subscriptions.models import (
    LicenseChangeLog,
    NonRecurringItem,
    ScheduledLicenseChangeLog,
    Subscription,
    UsageRecord,
)

# Price indexation on the contracts app's admin (contracts sits below subscriptions).
extend_admin(BillingContract, ContractIndexationActionsMixin)

LCL_FIELDS = (
    "effective_date",
    "kind",
    "delta",
    "quantity_after",
    "price",
    "refund",
    "status",
    "note",
    "provisioning_status",
    "provisioning_message",
)


class ChangeLogInline(ReadOnlyInline):
    model = LicenseChangeLog
    fields = LCL_FIELDS
    readonly_fields = LCL_FIELDS
    ordering = ("-effective_date", "-id")


class ScheduledChangeInline(ReadOnlyInline):
    model = ScheduledLicenseChangeLog
    fields = ("effective_date", "target_quantity", "new_price", "status", "failure_code", "failure_message")
    readonly_fields = fields


@admin.register(Subscription)
class SubscriptionAdmin(ProductDefaultsMixin, SubscriptionActionsMixin, SeatlineAdmin):
    list_display = (
        "name",
        "contract",
        "account",
        "kind",
        "quantity",
        "sales_unit",
        "price",
        "status",
        "provider",
        "provisioning_status",
    )
    list_filter = (
        "status",
        "kind",
        "sales_unit",
        "qrb",
        "provider",
        "provisioning_status",
        date_range("start_date"),
    )
    search_fields = ("name", "contract__name", "account__name", "provider_subscription_id")
    autocomplete_fields = ("contract", "account", "product", "provider_account")
    inlines = (ChangeLogInline, ScheduledChangeInline)
    fieldsets = (
        (None, {"fields": ("name", "contract", "account", "product", "kind", "status")}),
        (
            "Quantity and price",
            {
                "fields": (
                    "quantity",
                    "sales_unit",
                    "price",
                    "cost",
                    "currency",
                    "start_date",
                    "taxable",
                    "markup_percent",
                    "consumption_threshold",
                )
            },
        ),
        ("Reduction rules", {"fields": ("qrb", "qrw_days", "term_months")}),
        (
            "Provider",
            {
                "fields": (
                    "provider",
                    "provider_account",
                    "provider_subscription_id",
                    "provider_offer_id",
                    "provisioning_status",
                    "provisioning_message",
                    "commitment_end_date",
                    "cancellation_allowed_until",
                    "refundable_quantity",
                    "refundable_lots",
                    "provider_auto_renew",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Quantity, price and status change only through LCLs (the service actions); the
            # account follows the contract; the provisioning state is the provider's.
            fields += [
                "quantity",
                "price",
                "status",
                "kind",
                "contract",
                "account",
                "start_date",
                "sales_unit",
                "currency",
                "provisioning_status",
                "provisioning_message",
            ]
        else:
            fields += ["status", "provisioning_status", "provisioning_message"]
        return fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form

        class CreateThroughService(form):  # type: ignore[valid-type, misc]
            """A new subscription is created by the service (its `create` LCL, audit, provisioning)."""

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if self.errors:
                    return data
                fields = (
                    "contract",
                    "name",
                    "quantity",
                    "price",
                    "start_date",
                    "kind",
                    "sales_unit",
                    "cost",
                    "product",
                    "qrb",
                    "qrw_days",
                    "term_months",
                    "taxable",
                    "markup_percent",
                    "provider",
                    "provider_account",
                )
                try:
                    self.created = services.create_subscription(
                        **{name: data.get(name) for name in fields if data.get(name) is not None}
                    )
                except SeatlineError as error:
                    field = error.field if error.field in self.fields else None
                    self.add_error(field, f"{error.message} ({error.code})")
                return data

        return CreateThroughService

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        created = getattr(form, "created", None)
        if change or created is None:
            super().save_model(request, obj, form, change)
            return
        extra = {
            name: form.cleaned_data[name]
            for name in (
                "provider_subscription_id",
                "provider_offer_id",
                "commitment_end_date",
                "consumption_threshold",
            )
            if form.cleaned_data.get(name) not in (None, "")
        }
        if extra:
            for name, value in extra.items():
                setattr(created, name, value)
            created.save(update_fields=list(extra))
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()


@admin.register(LicenseChangeLog)
class LicenseChangeLogAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    """Change logs are read-only; the providers app adds its provisioning actions (`providers.admin`)."""

    list_display = (
        "subscription",
        "kind",
        "effective_date",
        "delta",
        "quantity_after",
        "price",
        "status",
        "provisioning_status",
    )
    list_filter = ("kind", "status", "provisioning_status", "refund", date_range("effective_date"))
    search_fields = ("subscription__name", "subscription__contract__name", "subscription__account__name")
    readonly_fields = (
        "subscription",
        "kind",
        "effective_date",
        "delta",
        "quantity_after",
        "price",
        "cost",
        "sales_unit",
        "currency",
        "refund",
        "scheduled_change",
        "provisioning_status",
        "provisioning_message",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Made only by the services: nothing of a change log (its status included) is edited by hand.
        fields = [field.name for field in LicenseChangeLog._meta.concrete_fields if field.editable]
        return [*fields, *super().get_readonly_fields(request, obj)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScheduledLicenseChangeLog)
class ScheduledLicenseChangeLogAdmin(CreatedByServiceMixin, SeatlineAdmin):
    """Scheduled changes are added by `schedule_change` and merged by the nightly run; never
    edited by hand."""

    list_display = (
        "subscription",
        "effective_date",
        "target_quantity",
        "new_price",
        "status",
        "failure_code",
    )
    list_filter = ("status", "source", date_range("effective_date"))
    search_fields = ("subscription__name", "subscription__contract__name", "failure_message")
    autocomplete_fields = ("subscription",)
    add_fields = ("subscription", "effective_date", "target_quantity", "new_price")

    def create_with_service(self, data: dict[str, Any]) -> ScheduledLicenseChangeLog:
        return services.schedule_change(
            subscription=data["subscription"],
            effective=data["effective_date"],
            quantity=data.get("target_quantity"),
            price=data.get("new_price"),
            source="back office",
        )


@admin.register(NonRecurringItem)
class NonRecurringItemAdmin(CreatedByServiceMixin, SeatlineAdmin):
    """Non-recurring items are added by `add_nri` and billed by the invoice runs; never edited by
    hand."""

    list_display = ("description", "contract", "quantity", "unit_price", "date", "status")
    list_filter = ("status", "taxable", date_range("date"))
    search_fields = ("description", "contract__name", "account__name")
    autocomplete_fields = ("contract", "product")
    add_fields = (
        "contract",
        "description",
        "product",
        "quantity",
        "unit_price",
        "unit_cost",
        "discount_percent",
        "taxable",
        "date",
    )

    def create_with_service(self, data: dict[str, Any]) -> NonRecurringItem:
        return services.add_nri(**data)


@admin.register(UsageRecord)
class UsageRecordAdmin(CreatedByServiceMixin, SeatlineAdmin):
    """Usage is recorded by `record_usage` (markup in force, thresholds) and billed by the invoice
    runs; never edited by hand."""

    list_display = (
        "subscription",
        "period_start",
        "period_end",
        "cost",
        "markup_percent",
        "confirmed",
        "invoiced",
    )
    list_filter = ("confirmed", "invoiced", date_range("period_start"))
    search_fields = ("subscription__name", "source_reference")
    autocomplete_fields = ("subscription",)
    add_fields = ("subscription", "cost", "markup_percent", "period_start", "period_end", "description")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            markup = form.base_fields["markup_percent"]
            markup.required = False
            markup.initial = None
            markup.help_text = "blank: the subscription's markup, else the configuration's default"
        return form

    def create_with_service(self, data: dict[str, Any]) -> UsageRecord:
        return services.record_usage(**data)
