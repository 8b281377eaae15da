# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib import admin

from seatline.common.admin import SeatlineAdmin, SeatlineTabularInline, date_range
from seatline.providers.models import Agreement, AgreementTemplate, Provider, ProviderAccount


class ProviderAccountInline(SeatlineTabularInline):
    model = ProviderAccount
    fields = ("name_at_provider", "provider_customer_id", "account", "sync_enabled")
    autocomplete_fields = ("account",)


@admin.register(Provider)
class ProviderAdmin(SeatlineAdmin):
    list_display = ("name", "type", "connector", "active")
    list_filter = ("type", "active")
    search_fields = ("name", "connector")
    inlines = (ProviderAccountInline,)


@admin.register(ProviderAccount)
class ProviderAccountAdmin(SeatlineAdmin):
    list_display = ("name_at_provider", "provider", "provider_customer_id", "account", "sync_enabled")
    list_filter = ("provider", "sync_enabled")
    search_fields = ("name_at_provider", "provider_customer_id", "domain", "account__name")
    autocomplete_fields = ("account",)


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(SeatlineAdmin):
    list_display = ("name", "provider", "agreement_type", "template_id", "active")
    list_filter = ("provider", "agreement_type", "active")
    search_fields = ("name", "template_id")


@admin.register(Agreement)
class AgreementAdmin(SeatlineAdmin):
    list_display = ("account", "template", "status", "signed_by_name", "executed_on")
    list_filter = ("status", "template", date_range("executed_on"))
    search_fields = ("account__name", "signed_by_name", "signed_by_email")
    autocomplete_fields = ("account",)
