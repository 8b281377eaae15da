# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyRowsMixin, SeatlineAdmin, date_range
from seatline.payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    list_display = ("invoice", "amount", "currency", "date", "processor", "processor_transaction_id")
    list_filter = ("processor", "currency", date_range("date"))
    search_fields = ("invoice__number", "processor_transaction_id", "invoice__account__name")
    readonly_fields = ("invoice", "amount", "currency", "date", "processor", "processor_transaction_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Payments are recorded through the payment service (balance checks, idempotency).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
