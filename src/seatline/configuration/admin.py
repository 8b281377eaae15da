# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from seatline.common.admin import GuardedAdminMixin, SeatlineAdmin
from seatline.configuration.models import Configuration

# The users and roles pages (Django's own admins) get the guardrails of every Seatline form.
for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label == "auth" and not isinstance(_model_admin, GuardedAdminMixin):
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(type(_model_admin).__name__, (GuardedAdminMixin, type(_model_admin)), {})
        )


@admin.register(Configuration)
class ConfigurationAdmin(SeatlineAdmin):
    fieldsets = (
        (
            "Tenant",
            {"fields": ("tenant_currency", "time_zone", "seller_name", "seller_address", "seller_tax_id")},
        ),
        (
            "Invoicing",
            {
                "fields": (
                    "generate_refunds",
                    "invoice_date_basis",
                    "auto_issue_invoices",
                    "change_log_weekday",
                    "invoice_number_format",
                    "credit_note_number_format",
                    "invoicing_cycle_range",
                    "default_markup_percent",
                    "date_window_years",
                )
            },
        ),
        ("Provisioning", {"fields": ("credit_hold_enabled",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        config = Configuration.get()
        return HttpResponseRedirect(reverse("admin:configuration_configuration_change", args=[config.pk]))
