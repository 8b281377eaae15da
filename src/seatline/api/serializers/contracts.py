# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing contracts (created and changed through `contracts.services`) and their billing schedules."""

from __future__ import annotations

from rest_framework import serializers

from seatline.api.fields import AmountField, DateField, MoneyField, ScopedPrimaryKeyRelatedField
from seatline.catalog.models import PriceList
from seatline.contracts.models import (
    BillingContract,
    BillingSchedule,
    ChangeLogInvoices,
    ContractType,
    Frequency,
    PaymentTerms,
    Policy,
    ProcessRefunds,
    ProrateUnit,
)
from seatline.customers.models import Account, Contact


class ContractSerializer(serializers.ModelSerializer):
    minimum_commitment = MoneyField()
    discount_percent = serializers.DecimalField(max_digits=9, decimal_places=4, read_only=True)
    effective_change_log_invoices = serializers.ChoiceField(choices=ChangeLogInvoices.choices, read_only=True)
    frequency = serializers.ChoiceField(
        choices=Frequency.choices,
        allow_blank=True,
        read_only=True,
        help_text="blank: a non-recurring contract",
    )
    change_log_invoices = serializers.ChoiceField(
        choices=ChangeLogInvoices.choices,
        allow_blank=True,
        read_only=True,
        help_text="blank: the default for the frequency (see effective_change_log_invoices)",
    )

    class Meta:
        model = BillingContract
        fields = (
            "id",
            "name",
            "account",
            "type",
            "frequency",
            "policy",
            "prorate_unit",
            "start_date",
            "end_date",
            "auto_renew",
            "renewal_term_months",
            "payment_terms",
            "process_refunds",
            "invoice_offset_days",
            "change_log_invoices",
            "effective_change_log_invoices",
            "discount_percent",
            "minimum_commitment",
            "currency",
            "price_list",
            "primary_billing_contact",
            "status",
            "terminated_on",
            "next_invoice_date",
            "no_automatic_indexation",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class BillingScheduleSerializer(serializers.ModelSerializer):
    run_type = serializers.ChoiceField(
        choices=BillingSchedule.RunType.choices,
        allow_blank=True,
        read_only=True,
        help_text="blank: not billed yet",
    )

    class Meta:
        model = BillingSchedule
        fields = (
            "id",
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
        read_only_fields = fields


class ContractUpdateSerializer(serializers.Serializer):
    """What `contracts.services.update_contract` may change (the type is permanent; the terms lock
    once a cycle is invoiced: `contract_terms_locked`)."""

    name = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=BillingContract.Status.choices)
    currency = serializers.CharField(max_length=3, min_length=3)
    price_list = ScopedPrimaryKeyRelatedField(
        account_path=None, queryset=PriceList.objects.all(), allow_null=True
    )
    primary_billing_contact = ScopedPrimaryKeyRelatedField(
        account_path="account", queryset=Contact.objects.all(), allow_null=True
    )
    frequency = serializers.ChoiceField(choices=Frequency.choices, allow_blank=True)
    policy = serializers.ChoiceField(choices=Policy.choices)
    prorate_unit = serializers.ChoiceField(choices=ProrateUnit.choices)
    start_date = DateField()
    end_date = DateField(allow_null=True)
    auto_renew = serializers.BooleanField()
    renewal_term_months = serializers.IntegerField(min_value=1, max_value=120, allow_null=True)
    payment_terms = serializers.ChoiceField(choices=PaymentTerms.choices)
    invoice_offset_days = serializers.IntegerField(min_value=-28, max_value=28)
    change_log_invoices = serializers.ChoiceField(choices=ChangeLogInvoices.choices, allow_blank=True)
    process_refunds = serializers.ChoiceField(choices=ProcessRefunds.choices)
    discount_percent = AmountField()
    minimum_commitment = AmountField()
    no_automatic_indexation = serializers.BooleanField()
    terminated_on = DateField(allow_null=True)
    auto_send = serializers.BooleanField()


class ContractCreateSerializer(ContractUpdateSerializer):
    """A new billing contract of an account (`contracts.services.create_contract`)."""

    account = ScopedPrimaryKeyRelatedField(account_path="pk", queryset=Account.objects.all())
    type = serializers.ChoiceField(choices=ContractType.choices, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, field in self.fields.items():
            field.required = name in ("account", "name", "start_date")
