# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyRowsMixin, SeatlineAdmin, date_range
from seatline.common.crypto import mask
from seatline.payments.models import Payment, PaymentProcessor


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


class PaymentProcessorForm(forms.ModelForm):
    """Secrets are write-only: an empty field keeps the stored value; nothing is shown back."""

    api_key = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="leave empty to keep"
    )
    webhook_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="leave empty to keep"
    )

    class Meta:
        model = PaymentProcessor
        fields = (
            "kind",
            "name",
            "environment",
            "account_id",
            "api_key",
            "webhook_secret",
            "base_url",
            "currency",
            "active",
        )

    def clean_api_key(self) -> str:
        value: str = self.cleaned_data.get("api_key") or ""
        if not value and not (self.instance.pk and self.instance.api_key):
            raise forms.ValidationError("an API key is required", code="required")
        return value or self.instance.api_key

    def clean_webhook_secret(self) -> str:
        value: str = self.cleaned_data.get("webhook_secret") or ""
        return value or (self.instance.webhook_secret if self.instance.pk else "")


@admin.register(PaymentProcessor)
class PaymentProcessorAdmin(SeatlineAdmin):
    form = PaymentProcessorForm
    list_display = ("name", "kind", "environment", "masked_api_key", "base_url", "active")
    list_filter = ("kind", "environment", "active")
    search_fields = ("name",)
    readonly_fields = ("masked_api_key", "masked_webhook_secret")

    @admin.display(description="API key")
    def masked_api_key(self, obj: PaymentProcessor) -> str:
        return mask(obj.api_key)

    @admin.display(description="webhook secret")
    def masked_webhook_secret(self, obj: PaymentProcessor) -> str:
        return mask(obj.webhook_secret)
