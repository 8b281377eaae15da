# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invoices (with lines and taxes), payments, and the inputs of their actions."""

from __future__ import annotations

from rest_framework import serializers

from seatline.api.fields import AmountField, DateField, MoneyField, ScopedPrimaryKeyRelatedField
from seatline.invoicing.models import Invoice, InvoiceLine, InvoiceTax
from seatline.payments.models import Payment


class InvoiceLineSerializer(serializers.ModelSerializer):
    unit_price = MoneyField(currency_attr="invoice.currency")
    amount = MoneyField(currency_attr="invoice.currency")
    discount = MoneyField(currency_attr="invoice.currency")
    net = MoneyField(currency_attr="invoice.currency")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True)

    class Meta:
        model = InvoiceLine
        fields = (
            "id",
            "position",
            "type",
            "subscription",
            "nri",
            "usage",
            "description",
            "quantity",
            "unit_price",
            "unit_months",
            "period_start",
            "period_end",
            "amount",
            "discount",
            "net",
            "taxable",
            "tax_category",
        )
        read_only_fields = fields


class InvoiceTaxSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency_attr="invoice.currency")
    percent = serializers.DecimalField(max_digits=9, decimal_places=4, read_only=True)

    class Meta:
        model = InvoiceTax
        fields = ("position", "name", "percent", "amount")
        read_only_fields = fields


INVOICE_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "series",
    "account",
    "contract",
    "currency",
    "generated_on",
    "invoice_date",
    "due_date",
    "period_start",
    "period_end",
    "subtotal",
    "tax_total",
    "total",
    "balance",
    "credited_invoice",
    "issued_at",
    "buyer_name",
    "created_at",
)


class InvoiceSerializer(serializers.ModelSerializer):
    subtotal = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    balance = MoneyField()

    class Meta:
        model = Invoice
        fields = INVOICE_FIELDS
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    taxes = InvoiceTaxSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = (
            *INVOICE_FIELDS,
            "seller_name",
            "seller_address",
            "seller_tax_id",
            "buyer_address",
            "buyer_country",
            "buyer_region",
            "buyer_tax_exempt",
            "warnings",
            "lines",
            "taxes",
        )
        read_only_fields = fields


class CreditNoteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField()
    transaction_id = serializers.CharField(source="processor_transaction_id", read_only=True)

    class Meta:
        model = Payment
        fields = ("id", "invoice", "amount", "currency", "date", "processor", "transaction_id", "created_at")
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    invoice = ScopedPrimaryKeyRelatedField(account_path="account", queryset=Invoice.objects.all())
    amount = AmountField(help_text="in the invoice's currency, at most its open balance")
    date = DateField(required=False, allow_null=True, help_text="default today")
    transaction_id = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text="your reference (e.g. the bank transfer's); recording it twice records one payment",
    )
