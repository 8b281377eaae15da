# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import SeatlineAdmin, SeatlineTabularInline, date_range, extend_admin
from seatline.customers.models import Account
from seatline.providers.admin_actions import (
    AccountProviderActionsMixin,
    AgreementTemplateActionsMixin,
    ChangeLogProvisioningActionsMixin,
    ProviderAccountActionsMixin,
    ProviderActionsMixin,
    SalesOrderActionsMixin,
)
from seatline.providers.admin_overview import AccountOverviewMixin
from seatline.providers.models import (
    Agreement,
    AgreementTemplate,
    Provider,
    ProviderAccount,
    ProviderCredential,
    SalesOrder,
    SalesOrderLine,
)
from seatline.subscriptions.models import LicenseChangeLog

# Provider actions on the admins of the apps below (they do not import this app).
extend_admin(Account, AccountProviderActionsMixin)
extend_admin(Account, AccountOverviewMixin)
extend_admin(LicenseChangeLog, ChangeLogProvisioningActionsMixin)


class ProviderAccountInline(SeatlineTabularInline):
    model = ProviderAccount
    fields = ("name_at_provider", "provider_customer_id", "account", "sync_enabled")
    autocomplete_fields = ("account",)


@admin.register(Provider)
class ProviderAdmin(ProviderActionsMixin, SeatlineAdmin):
    list_display = ("name", "type", "connector", "active")
    list_filter = ("type", "active")
    search_fields = ("name", "connector")
    inlines = (ProviderAccountInline,)


@admin.register(ProviderAccount)
class ProviderAccountAdmin(ProviderAccountActionsMixin, SeatlineAdmin):
    list_display = (
        "name_at_provider",
        "provider",
        "provider_customer_id",
        "account",
        "sync_enabled",
        "last_synced_at",
    )
    list_filter = ("provider", "sync_enabled", ("account", admin.EmptyFieldListFilter))
    search_fields = ("name_at_provider", "provider_customer_id", "domain", "account__name")
    autocomplete_fields = ("account",)


@admin.register(ProviderCredential)
class ProviderCredentialAdmin(SeatlineAdmin):
    """Which refresh tokens are stored, and when they last rotated; never the token itself."""

    list_display = ("provider", "key", "updated_at")
    fields = ("provider", "key", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(AgreementTemplateActionsMixin, SeatlineAdmin):
    list_display = ("name", "provider", "agreement_type", "template_id", "active")
    list_filter = ("provider", "agreement_type", "active")
    search_fields = ("name", "template_id")


@admin.register(Agreement)
class AgreementAdmin(SeatlineAdmin):
    list_display = ("account", "template", "status", "signed_by_name", "executed_on")
    list_filter = ("status", "template", date_range("executed_on"))
    search_fields = ("account__name", "signed_by_name", "signed_by_email")
    autocomplete_fields = ("account",)


class SalesOrderLineInline(SeatlineTabularInline):
    model = SalesOrderLine
    fields = (
        "product",
        "quantity",
        "unit_price",
        "unit_cost",
        "currency",
        "sales_unit",
        "existing_subscription",
        "provider_override",
        "provisioned_subscription",
    )
    readonly_fields = ("provisioned_subscription",)
    autocomplete_fields = ("product", "existing_subscription")


@admin.register(SalesOrder)
class SalesOrderAdmin(SalesOrderActionsMixin, SeatlineAdmin):
    list_display = ("number", "account", "status", "status_reason", "contract", "created_at")
    list_filter = ("status", "status_reason", date_range("created_at"))
    search_fields = ("number", "account__name")
    autocomplete_fields = ("account",)
    readonly_fields = ("status", "status_reason", "contract", "fulfilled_at")
    inlines = (SalesOrderLineInline,)


@admin.register(SalesOrderLine)
class SalesOrderLineAdmin(SeatlineAdmin):
    list_display = ("order", "product", "quantity", "unit_price", "sales_unit", "provisioned_subscription")
    search_fields = ("order__number", "product__name")
    autocomplete_fields = ("order", "product", "existing_subscription")
    readonly_fields = ("provisioned_subscription",)
