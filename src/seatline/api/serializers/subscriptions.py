# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscriptions, their change logs (LCL) and scheduled changes, and the inputs of their actions."""

from __future__ import annotations

from rest_framework import serializers

from seatline.api.fields import (
    AmountField,
    DateField,
    MoneyField,
    QuantityField,
    ScopedPrimaryKeyRelatedField,
)
from seatline.catalog.models import Product
from seatline.common.choices import ReductionBehaviour, SalesUnit
from seatline.contracts.models import BillingContract
from seatline.providers.models import Provider, ProviderAccount
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog, Subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    price = MoneyField()
    cost = MoneyField()
    markup_percent = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="null: the configuration's default markup applies; 0: no markup",
    )

    class Meta:
        model = Subscription
        fields = (
            "id",
            "contract",
            "account",
            "product",
            "name",
            "kind",
            "quantity",
            "sales_unit",
            "price",
            "cost",
            "currency",
            "start_date",
            "status",
            "qrb",
            "qrw_days",
            "term_months",
            "taxable",
            "markup_percent",
            "provider",
            "provider_account",
            "provider_subscription_id",
            "provider_offer_id",
            "provisioning_status",
            "provisioning_message",
            "commitment_end_date",
            "cancellation_allowed_until",
            "refundable_quantity",
            "provider_auto_renew",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class LicenseChangeLogSerializer(serializers.ModelSerializer):
    price = MoneyField()
    cost = MoneyField()

    class Meta:
        model = LicenseChangeLog
        fields = (
            "id",
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
            "status",
            "note",
            "provisioning_status",
            "provisioning_message",
            "scheduled_change",
            "created_at",
        )
        read_only_fields = fields


class ScheduledChangeSerializer(serializers.ModelSerializer):
    new_price = MoneyField(currency_attr="subscription.currency", allow_null=True)
    currency = serializers.CharField(source="subscription.currency", read_only=True)

    class Meta:
        model = ScheduledLicenseChangeLog
        fields = (
            "id",
            "subscription",
            "effective_date",
            "target_quantity",
            "new_price",
            "currency",
            "status",
            "failure_code",
            "failure_message",
            "merged_change",
            "source",
            "created_at",
        )
        read_only_fields = fields


class SubscriptionCreateSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(account_path="account", queryset=BillingContract.objects.all())
    name = serializers.CharField(max_length=200)
    quantity = QuantityField()
    price = AmountField()
    start_date = DateField()
    kind = serializers.ChoiceField(choices=Subscription.Kind.choices, required=False)
    sales_unit = serializers.ChoiceField(choices=SalesUnit.choices, required=False)
    cost = AmountField(required=False)
    product = ScopedPrimaryKeyRelatedField(
        account_path=None, queryset=Product.objects.all(), required=False, allow_null=True
    )
    qrb = serializers.ChoiceField(choices=ReductionBehaviour.choices, required=False, allow_null=True)
    qrw_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)
    term_months = serializers.IntegerField(min_value=1, max_value=120, required=False, allow_null=True)
    taxable = serializers.BooleanField(required=False)
    markup_percent = AmountField(required=False, allow_null=True)
    provider = ScopedPrimaryKeyRelatedField(
        account_path=None, queryset=Provider.objects.all(), required=False, allow_null=True
    )
    provider_account = ScopedPrimaryKeyRelatedField(
        account_path="account", queryset=ProviderAccount.objects.all(), required=False, allow_null=True
    )


class ChangeQuantitySerializer(serializers.Serializer):
    quantity = QuantityField(help_text="the new absolute quantity")
    effective = DateField(
        required=False, allow_null=True, help_text="first day of the new quantity (default today)"
    )


class DeactivateSerializer(serializers.Serializer):
    refund = serializers.BooleanField(
        default=False, help_text="credit the unused days (subject to the contract's refund policy)"
    )
    on = DateField(required=False, allow_null=True, help_text="last billable day (default today)")


class ActivateSerializer(serializers.Serializer):
    on = DateField(required=False, allow_null=True, help_text="first billable day again (default today)")


class ScheduleChangeSerializer(serializers.Serializer):
    effective = DateField(help_text="the day the change applies (after today)")
    quantity = QuantityField(required=False, allow_null=True)
    price = AmountField(required=False, allow_null=True)


class SubscriptionChangeResultSerializer(serializers.Serializer):
    subscription = SubscriptionSerializer()
    change = LicenseChangeLogSerializer(allow_null=True, help_text="null: nothing changed")


class ScheduledChangeResultSerializer(serializers.Serializer):
    subscription = SubscriptionSerializer()
    scheduled_change = ScheduledChangeSerializer()
