# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing contracts and their billing schedules (read-only until the contract services land)."""

from __future__ import annotations

from rest_framework import serializers

from seatline.api.fields import MoneyField
from seatline.contracts.models import BillingContract, BillingSchedule, ChangeLogInvoices, Frequency


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
