# SPDX-License-Identifier: AGPL-3.0-or-later
"""The mapping templates Seatline ships (Microsoft NCE reconciliation, Microsoft daily rated usage,
Pax8 invoice items, TD SYNNEX StreamOne Ion billing export)."""

import datetime as dt

from django.db import migrations

TEMPLATES = (
    (
        "microsoft_nce_reconciliation",
        "Microsoft NCE reconciliation file",
        "auto",
        "%m/%d/%Y",
        {
            "customer_tenant_id": "CustomerId",
            "customer_name": "CustomerName",
            "provider_subscription_id": "SubscriptionId",
            "product_id": "ProductId",
            "sku_id": "SkuId",
            "product_name": "ProductName",
            "sku_name": "SkuName",
            "charge_type": "ChargeType",
            "unit_price": "UnitPrice",
            "effective_unit_price": "EffectiveUnitPrice",
            "quantity": "Quantity",
            "billable_quantity": "BillableQuantity",
            "subtotal": "Subtotal",
            "tax": "TaxTotal",
            "total": "Total",
            "charge_start": "ChargeStartDate",
            "charge_end": "ChargeEndDate",
            "term_and_billing_cycle": "TermAndBillingCycle",
            "billing_frequency": "BillingFrequency",
            "reference_id": "ReferenceID",
            "currency": "Currency",
            "exchange_rate": "PCToBCExchangeRate",
        },
        "Partner Center invoice reconciliation file (new commerce, one row per charge event). Lines with a "
        "negative subtotal are credits.",
    ),
    (
        "microsoft_daily_rated_usage",
        "Microsoft daily rated usage file",
        "usage",
        "%m/%d/%Y",
        {
            "customer_tenant_id": "CustomerId",
            "customer_name": "CustomerName",
            "provider_subscription_id": "SubscriptionId",
            "product_id": "ProductId",
            "sku_id": "SkuId",
            "product_name": "ProductName",
            "sku_name": "SkuName",
            "charge_type": "ChargeType",
            "unit_price": "UnitPrice",
            "effective_unit_price": "EffectiveUnitPrice",
            "quantity": "Quantity",
            "subtotal": "BillingPreTaxTotal",
            "charge_start": "ChargeStartDate",
            "charge_end": "ChargeEndDate",
            "usage_date": "UsageDate",
            "meter_name": "MeterName",
            "currency": "BillingCurrency",
            "exchange_rate": "PCToBCExchangeRate",
        },
        "Partner Center daily rated usage reconciliation file (Azure plan). No tax column: "
        "BillingPreTaxTotal is the line's total.",
    ),
    (
        "pax8_invoice_items",
        "Pax8 invoice items",
        "auto",
        "%m/%d/%Y",
        {
            "kind": "type",
            "customer_tenant_id": "companyId",
            "customer_name": "companyName",
            "provider_subscription_id": "subscriptionId",
            "product_id": "productId",
            "sku_id": "sku",
            "product_name": "productName",
            "sku_name": "description",
            "charge_type": "chargeType",
            "unit_price": "price",
            "quantity": "quantity",
            "subtotal": "subTotal",
            "tax": "salesTax",
            "total": "total",
            "charge_start": "startPeriod",
            "charge_end": "endPeriod",
            "term_and_billing_cycle": "term",
            "currency": "currencyCode",
        },
        "Pax8 partner invoice items (GET /invoices/{id}/items as CSV). `type` decides the kind "
        "(subscription/prorate: licence, one-time/service-charge: one-time, *-credit/rebate: credit); "
        "subscriptionId is Pax8's id (the Microsoft id is the subscription's vendorSubscriptionId).",
    ),
    (
        "tdsynnex_streamone_billing",
        "TD SYNNEX StreamOne Ion billing export",
        "auto",
        "%m/%d/%Y,%Y-%m-%d %H:%M:%S",
        {
            "customer_tenant_id": "Customer ID",
            "customer_name": "Customer Name",
            "provider_subscription_id": "Subscription ID",
            "product_id": "Product ID",
            "sku_id": "SKU ID",
            "product_name": "Product Name",
            "sku_name": "SKU Name",
            "charge_type": "Charge Type",
            "unit_price": "Unit Price",
            "effective_unit_price": "Effective Unit Price",
            "quantity": "Seat Count",
            "subtotal": "Seller Cost",
            "charge_start": "Charge StartDate",
            "charge_end": "Charge EndDate",
            "term_and_billing_cycle": "Term And Billing Cycle",
            "billing_frequency": "Billing Frequency",
            "meter_name": "Meter Name",
            "currency": "Invoice Currency",
        },
        "StreamOne Ion azure_plan_billing report (display names). Seller Cost is what the partner pays; "
        "the report has no tax column.",
    ),
)


def install(apps, schema_editor):
    MappingTemplate = apps.get_model("provider_invoices", "MappingTemplate")
    now = dt.datetime.now(dt.UTC)
    for key, name, kind, formats, columns, description in TEMPLATES:
        MappingTemplate.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "kind": kind,
                "date_formats": formats,
                "columns": columns,
                "description": description,
                "shipped": True,
                "created_at": now,
                "updated_at": now,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("provider_invoices", "MappingTemplate").objects.filter(shipped=True).delete()


class Migration(migrations.Migration):
    dependencies = [("provider_invoices", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
