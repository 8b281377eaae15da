# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from seatline.common.admin import ReadOnlyRowsMixin, SeatlineAdmin, date_range, extend_admin
from seatline.common.crypto import mask
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.invoicing.models import Invoice
from seatline.payments.admin_actions import (
    AccountPaymentActionsMixin,
    ContractCollectionActionsMixin,
    InvoicePaymentActionsMixin,
    ProfileActionsMixin,
)
from seatline.payments.models import (
    ChargeAttempt,
    ContractCollection,
    CreditApplication,
    Dunning,
    Payment,
    PaymentProcessor,
    PaymentProfile,
    ProfileRequest,
    Refund,
    WebhookEvent,
)

extend_admin(Invoice, InvoicePaymentActionsMixin)
extend_admin(Account, AccountPaymentActionsMixin)
extend_admin(BillingContract, ContractCollectionActionsMixin)


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


class ServiceRowsAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    """Rows only the payment services write."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentProfile)
class PaymentProfileAdmin(ProfileActionsMixin, ServiceRowsAdmin):
    list_display = ("account", "processor", "kind", "label", "status", "is_default")
    list_filter = ("status", "kind", "processor", "is_default")
    search_fields = ("account__name", "label", "customer_token", "method_token")
    readonly_fields = (
        "account",
        "processor",
        "kind",
        "label",
        "status",
        "is_default",
        "customer_token",
        "method_token",
    )


@admin.register(ContractCollection)
class ContractCollectionAdmin(ServiceRowsAdmin):
    list_display = ("contract", "auto_charge", "profile")
    list_filter = ("auto_charge",)
    readonly_fields = ("contract", "auto_charge", "profile")


@admin.register(ChargeAttempt)
class ChargeAttemptAdmin(ServiceRowsAdmin):
    """Charge attempts, with the payments dashboard above the list (filter by date, processor, status)."""

    change_list_template = "payments/admin/dashboard.html"
    list_display = (
        "date",
        "invoice",
        "account",
        "amount",
        "currency",
        "status",
        "code",
        "processor",
        "trigger",
    )
    list_filter = ("status", "processor", "trigger", "code", date_range("date"))
    search_fields = (
        "invoice__number",
        "invoice__account__name",
        "idempotency_key",
        "processor_transaction_id",
    )
    readonly_fields = (
        "invoice", "profile", "processor", "number", "idempotency_key", "trigger", "amount", "currency",
        "date", "status", "code", "processor_code", "message", "processor_transaction_id", "payment",
    )  # fmt: skip

    @admin.display(description="account")
    def account(self, obj: ChargeAttempt) -> str:
        return str(obj.invoice.account)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        from seatline.payments.selectors import dashboard

        base = request.path
        context = {**(extra_context or {}), "dashboard": dashboard(base)}
        return super().changelist_view(request, extra_context=context)


@admin.register(Refund)
class RefundAdmin(ServiceRowsAdmin):
    list_display = (
        "date",
        "invoice",
        "payment",
        "amount",
        "currency",
        "processor",
        "processor_refund_id",
        "status",
    )
    list_filter = ("processor", "status", date_range("date"))
    search_fields = ("invoice__number", "processor_refund_id")
    readonly_fields = (
        "payment", "invoice", "amount", "currency", "date", "processor", "processor_refund_id", "status", "reason",
    )  # fmt: skip


@admin.register(WebhookEvent)
class WebhookEventAdmin(ServiceRowsAdmin):
    list_display = ("received_at", "processor", "type", "event_id", "outcome")
    list_filter = ("processor", "kind", "outcome")
    search_fields = ("event_id", "object_id", "type")
    readonly_fields = (
        "processor",
        "event_id",
        "type",
        "kind",
        "object_id",
        "raw_body",
        "received_at",
        "outcome",
    )


@admin.register(Dunning)
class DunningAdmin(ServiceRowsAdmin):
    list_display = (
        "invoice",
        "account",
        "charge_date",
        "status",
        "failures",
        "next_date",
        "last_failure_date",
    )
    list_filter = ("status", date_range("charge_date"))
    search_fields = ("invoice__number", "account__name")
    readonly_fields = (
        "invoice", "account", "charge_date", "status", "failures", "first_failure_date", "last_failure_date",
        "next_date",
    )  # fmt: skip


@admin.register(CreditApplication)
class CreditApplicationAdmin(ServiceRowsAdmin):
    list_display = ("date", "source", "target", "amount", "currency")
    list_filter = (date_range("date"),)
    search_fields = ("source__number", "target__number")
    readonly_fields = ("date", "source", "target", "amount", "currency")


@admin.register(ProfileRequest)
class ProfileRequestAdmin(ServiceRowsAdmin):
    """Payment method requests sent (the link's secret is not shown)."""

    list_display = ("profile", "created_at", "expires_at", "used_at")
    readonly_fields = ("profile", "created_at", "expires_at", "used_at")
    fields = ("profile", "created_at", "expires_at", "used_at")
