# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center invoices and billed reconciliation line items (v1, synchronous, paged)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from seatline.connectors.base import ProviderInvoice, ReconciliationLine
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.parsing import (
    date_value,
    datetime_value,
    decimal_value,
    obj,
    required_decimal,
    text,
)

MAX_LINE_PAGE_SIZE = 2000


def parse_invoice(data: Any) -> ProviderInvoice:
    body = obj(data)
    return ProviderInvoice(
        id=text(body.get("id")),
        invoice_date=date_value(body.get("invoiceDate")),
        period_start=date_value(body.get("billingPeriodStartDate")),
        period_end=date_value(body.get("billingPeriodEndDate")),
        total_charges=required_decimal(body.get("totalCharges")),
        paid_amount=required_decimal(body.get("paidAmount")),
        currency=text(body.get("currencyCode")),
        document_type=text(body.get("documentType")),
        invoice_type=text(body.get("invoiceType")),
        status=text(body.get("status")),
    )


def parse_line(data: Any) -> ReconciliationLine:
    """A `OneTimeInvoiceLineItem`; numbers may be JSON numbers or strings ("16")."""
    body = obj(data)
    quantity = required_decimal(body.get("quantity"))
    subtotal = required_decimal(body.get("subtotal"))
    tax_total = required_decimal(body.get("taxTotal"))
    total = decimal_value(body.get("totalForCustomer"), default=None)
    billable = decimal_value(body.get("billableQuantity"), default=None)
    return ReconciliationLine(
        invoice_number=text(body.get("invoiceNumber")),
        customer_id=text(body.get("customerId")),
        customer_name=text(body.get("customerName")),
        customer_domain=text(body.get("customerDomainName")),
        subscription_id=text(body.get("subscriptionId")),
        charge_type=text(body.get("chargeType")),
        product_id=text(body.get("productId")),
        sku_id=text(body.get("skuId")),
        availability_id=text(body.get("availabilityId")),
        product_name=text(body.get("productName")),
        sku_name=text(body.get("skuName")),
        unit_price=required_decimal(body.get("unitPrice")),
        effective_unit_price=required_decimal(body.get("effectiveUnitPrice")),
        quantity=quantity,
        billable_quantity=billable if billable is not None else quantity,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total if total is not None else subtotal + tax_total,
        currency=text(body.get("currency")),
        order_id=text(body.get("orderId")),
        order_date=datetime_value(body.get("orderDate")),
        charge_start=date_value(body.get("chargeStartDate")),
        charge_end=date_value(body.get("chargeEndDate")),
        subscription_start=date_value(body.get("subscriptionStartDate")),
        subscription_end=date_value(body.get("subscriptionEndDate")),
        term_and_billing_cycle=text(body.get("termAndBillingCycle")),
        billing_frequency=text(body.get("billingFrequency")),
        reference_id=text(body.get("referenceId")),
        alternate_id=text(body.get("alternateId")),
        promotion_id=text(body.get("promotionId")),
        pricing_currency=text(body.get("pricingCurrency")),
        exchange_rate=decimal_value(body.get("pcToBCExchangeRate"), default=None),
        unit_type=text(body.get("unitType")),
        subscription_description=text(body.get("subscriptionDescription")),
    )


def list_invoices(client: PartnerCenterClient, *, page_size: int = 200) -> list[ProviderInvoice]:
    return [parse_invoice(item) for item in client.iter_items("/v1/invoices", params={"size": page_size})]


def get_invoice(client: PartnerCenterClient, invoice_id: str) -> ProviderInvoice:
    return parse_invoice(client.get(f"/v1/invoices/{quote(invoice_id, safe='')}"))


def iter_lines(
    client: PartnerCenterClient, invoice_id: str, *, page_size: int = MAX_LINE_PAGE_SIZE
) -> Iterator[ReconciliationLine]:
    """Billed NCE line items of an invoice; the next page is fetched only when reached."""
    params: dict[str, str | int] = {
        "provider": "onetime",
        "invoicelineitemtype": "billinglineitems",
        "size": min(page_size, MAX_LINE_PAGE_SIZE),
    }
    for item in client.iter_items(f"/v1/invoices/{quote(invoice_id, safe='')}/lineitems", params=params):
        yield parse_line(item)


def iter_unbilled_lines(
    client: PartnerCenterClient,
    currency: str,
    *,
    period: str = "current",
    page_size: int = MAX_LINE_PAGE_SIZE,
) -> Iterator[ReconciliationLine]:
    """Not-yet-invoiced NCE line items of the current or previous period."""
    if period not in ("current", "previous"):
        raise ValueError("period is 'current' or 'previous'")
    params: dict[str, str | int] = {
        "provider": "onetime",
        "invoicelineitemtype": "billinglineitems",
        "currencycode": currency,
        "period": period,
        "size": min(page_size, MAX_LINE_PAGE_SIZE),
    }
    for item in client.iter_items("/v1/invoices/unbilled/lineitems", params=params):
        yield parse_line(item)
