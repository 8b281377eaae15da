# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib import admin

from seatline.common.admin import SeatlineAdmin, SeatlineTabularInline
from seatline.customers.models import Account, Contact


class ContactInline(SeatlineTabularInline):
    model = Contact
    fields = ("first_name", "last_name", "email", "phone", "role", "is_primary")


@admin.register(Account)
class AccountAdmin(SeatlineAdmin):
    """Accounts; the providers app adds its onboarding action (`providers.admin`)."""

    list_display = ("name", "country", "region", "currency", "tax_exempt", "credit_hold", "active")
    list_filter = ("active", "credit_hold", "tax_exempt", "currency", "country")
    search_fields = ("name", "email_domain", "city", "contacts__email")
    inlines = (ContactInline,)
    fieldsets = (
        (None, {"fields": ("name", "email_domain", "parent", "currency", "active")}),
        (
            "Address",
            {"fields": ("address_line1", "address_line2", "city", "postal_code", "region", "country")},
        ),
        ("Billing", {"fields": ("language", "tax_exempt", "credit_hold")}),
    )
    autocomplete_fields = ("parent",)


@admin.register(Contact)
class ContactAdmin(SeatlineAdmin):
    list_display = ("__str__", "account", "role", "is_primary")
    list_filter = ("role", "is_primary")
    search_fields = ("first_name", "last_name", "email", "account__name")
    autocomplete_fields = ("account",)
