# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center invoices and billed reconciliation line items (v1, synchronous, paged).

Invoices come with their amendments (credit and adjustment notes, `amendments[]`, each amending
the invoice it sits under: `amendsOf`) as `ProviderInvoice`s of their own, so provider-invoice
reconciliation can net a credit note against the invoice it corrects.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from seatline.connectors.base import (
    InvoiceDetail,
    InvoiceDocumentType,
    ProviderInvoice,
    RatedUsageLine,
    ReconciliationLine,
)
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.parsing import Fields

MAX_LINE_PAGE_SIZE = 2000


# Partner Center writes `documentType` as "invoice", "Invoice", "Credit Note", "adjustment_note",
# "void_note" (invoice-resources.md, get-a-collection-of-invoices.md); compared without case,
# spaces and underscores.
_DOCUMENT_TYPES = {
    "invoice": InvoiceDocumentType.INVOICE,
    "creditnote": InvoiceDocumentType.CREDIT_NOTE,
    "adjustmentnote": InvoiceDocumentType.ADJUSTMENT_NOTE,
    "voidnote": InvoiceDocumentType.VOID_NOTE,
}


def document_type(value: str) -> InvoiceDocumentType:
    if not value.strip():
        return InvoiceDocumentType.INVOICE  # older answers omit it on plain invoices
    folded = "".join(ch for ch in value.casefold() if ch.isalnum())
    return _DOCUMENT_TYPES.get(folded, InvoiceDocumentType.UNKNOWN)


def parse_invoice(data: object, *, amends_of: str = "") -> ProviderInvoice:
    """An `Invoice` with its `amendments[]` (each an Invoice too, amending this one)."""
    body = data if isinstance(data, Fields) else Fields(data)
    invoice_id = body.text("id")
    raw_type = body.text("documentType")
    amendments = tuple(
        parse_invoice(amendment, amends_of=invoice_id) for amendment in body.children("amendments")
    )
    details = tuple(
        InvoiceDetail(
            line_item_type=detail.text("invoiceLineItemType"),
            billing_provider=detail.text("billingProvider"),
            uri=detail.child("links").child("self").text("uri"),
        )
        for detail in body.children("invoiceDetails")
    )
    # Problems of this document only: its amendments carry their own.
    own = Fields(
        body.data,
        where=body.where,
        source=body.source,
        request_id=body.request_id,
        content=body.content,
    )
    invoice_date = own.day("invoiceDate")
    period_start = own.day("billingPeriodStartDate")
    period_end = own.day("billingPeriodEndDate")
    return ProviderInvoice(
        id=invoice_id,
        invoice_date=invoice_date,
        period_start=period_start,
        period_end=period_end,
        total_charges=own.amount("totalCharges"),
        paid_amount=own.amount("paidAmount"),
        currency=body.text("currencyCode"),
        document_type=document_type(raw_type),
        document_type_text=raw_type,
        invoice_type=body.text("invoiceType"),
        status=body.text("status"),
        amends_of=body.text("amendsOf") or amends_of,
        amendments=amendments,
        details=details,
        problems=tuple(own.problems),
        tax_total=own.number(_alias(own, "taxTotal", "totalTax"), default=None),
    )


def _alias(body: Fields, *names: str) -> str:
    """The first of `names` the record has (keys compared without case), else the first name."""
    return next((name for name in names if body.has(name)), names[0])


def parse_line(data: object) -> ReconciliationLine:
    """A billed reconciliation line: a v1 `OneTimeInvoiceLineItem` (camelCase) or a row of the Graph
    v2 billed reconciliation export (PascalCase, `Total`, `Tier2MpnId`). Keys are read without case
    and through their aliases; unknown keys are ignored and missing ones read as empty. Numbers may
    be JSON numbers or strings ("16")."""
    body = data if isinstance(data, Fields) else Fields(data)
    quantity = body.amount("quantity")
    subtotal = body.amount("subtotal")
    tax_total = body.amount(_alias(body, "taxTotal", "tax"))
    total = body.number(_alias(body, "totalForCustomer", "total"), default=None)
    billable = body.number("billableQuantity", default=None)
    return ReconciliationLine(
        invoice_number=body.text(_alias(body, "invoiceNumber", "invoiceId")),
        customer_id=body.text(_alias(body, "customerId", "customerTenantId")),
        customer_name=body.text("customerName"),
        customer_domain=body.text("customerDomainName"),
        subscription_id=body.text("subscriptionId"),
        charge_type=body.text("chargeType"),
        product_id=body.text("productId"),
        sku_id=body.text("skuId"),
        availability_id=body.text("availabilityId"),
        product_name=body.text("productName"),
        sku_name=body.text("skuName"),
        unit_price=body.amount("unitPrice"),
        effective_unit_price=body.amount("effectiveUnitPrice"),
        quantity=quantity,
        billable_quantity=billable if billable is not None else quantity,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total if total is not None else subtotal + tax_total,
        currency=body.text(_alias(body, "currency", "billingCurrency")),
        order_id=body.text("orderId"),
        order_date=body.instant("orderDate"),
        charge_start=body.day("chargeStartDate"),
        charge_end=body.day("chargeEndDate"),
        subscription_start=body.day("subscriptionStartDate"),
        subscription_end=body.day("subscriptionEndDate"),
        term_and_billing_cycle=body.text("termAndBillingCycle"),
        billing_frequency=body.text("billingFrequency"),
        reference_id=body.text("referenceId"),
        alternate_id=body.text("alternateId"),
        promotion_id=body.text("promotionId"),
        pricing_currency=body.text("pricingCurrency"),
        exchange_rate=body.number("pcToBCExchangeRate", default=None),
        unit_type=body.text("unitType"),
        subscription_description=body.text("subscriptionDescription"),
        problems=tuple(body.problems),
        raw=dict(body.data),
    )


def parse_usage_line(data: object) -> RatedUsageLine:
    """A daily rated usage row: a v1 `DailyRatedUsageLineItem` or a row of the Graph v2 billed usage
    export (`full` or `basic` attribute set: attributes missing from `basic` read as empty)."""
    body = data if isinstance(data, Fields) else Fields(data)
    return RatedUsageLine(
        invoice_number=body.text(_alias(body, "invoiceNumber", "invoiceId")),
        customer_id=body.text(_alias(body, "customerId", "customerTenantId")),
        customer_name=body.text("customerName"),
        subscription_id=body.text("subscriptionId"),
        product_id=body.text("productId"),
        sku_id=body.text("skuId"),
        product_name=body.text("productName"),
        sku_name=body.text("skuName"),
        charge_type=body.text("chargeType"),
        unit_price=body.amount("unitPrice"),
        effective_unit_price=body.amount("effectiveUnitPrice"),
        quantity=body.amount("quantity"),
        pre_tax_total=body.amount(_alias(body, "billingPreTaxTotal", "preTaxTotal")),
        currency=body.text(_alias(body, "billingCurrency", "currency")),
        usage_date=body.day("usageDate"),
        charge_start=body.day("chargeStartDate"),
        charge_end=body.day("chargeEndDate"),
        meter_id=body.text("meterId"),
        meter_name=body.text("meterName"),
        meter_category=body.text("meterCategory"),
        unit=body.text(_alias(body, "unitOfMeasure", "unit")),
        entitlement_id=body.text("entitlementId"),
        resource_uri=body.text("resourceUri"),
        exchange_rate=body.number("pcToBCExchangeRate", default=None),
        problems=tuple(body.problems),
        raw=dict(body.data),
    )


def list_invoices(client: PartnerCenterClient, *, page_size: int = 200) -> list[ProviderInvoice]:
    return [parse_invoice(item) for item in client.iter_items("/v1/invoices", params={"size": page_size})]


def get_invoice(client: PartnerCenterClient, invoice_id: str) -> ProviderInvoice:
    body = client.get_object(f"/v1/invoices/{quote(invoice_id, safe='')}")
    body.require_text("id", equal_to=invoice_id.removeprefix("OneTime-").removeprefix("Recurring-"))
    return parse_invoice(body)


BILLING_PROVIDERS = ("onetime", "office", "azure")


def billing_provider(value: str) -> str:
    """`one_time` / `OneTime` / `onetime` -> `onetime` (the query parameter's spelling)."""
    folded = value.replace("_", "").lower()
    if folded not in BILLING_PROVIDERS:
        raise ValueError(f"unknown billing provider {value!r}; known: {', '.join(BILLING_PROVIDERS)}")
    return folded


def iter_lines(
    client: PartnerCenterClient,
    invoice_id: str,
    *,
    page_size: int = MAX_LINE_PAGE_SIZE,
    provider: str = "onetime",
) -> Iterator[ReconciliationLine]:
    """Billed line items of an invoice (billing provider `onetime` for NCE, Azure plan and
    marketplace; `office` / `azure` for legacy invoices, read through the same aliases); the next
    page is fetched only when reached."""
    params: dict[str, str | int] = {
        "provider": billing_provider(provider),
        "invoicelineitemtype": "billinglineitems",
        "size": min(page_size, MAX_LINE_PAGE_SIZE),
    }
    path = f"/v1/invoices/{quote(invoice_id, safe='')}/lineitems"
    for item in client.iter_items(path, params=params, identity=None):
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
    for item in client.iter_items("/v1/invoices/unbilled/lineitems", params=params, identity=None):
        yield parse_line(item)


def iter_usage_lines(
    client: PartnerCenterClient,
    invoice_id: str,
    currency: str,
    *,
    page_size: int = MAX_LINE_PAGE_SIZE,
    provider: str = "onetime",
) -> Iterator[RatedUsageLine]:
    """Billed daily rated usage of an invoice (`onetime`: Azure plan; `azure`: legacy Azure), paged."""
    params: dict[str, str | int] = {
        "provider": billing_provider(provider),
        "invoicelineitemtype": "usagelineitems",
        "currencycode": currency,
        "size": min(page_size, MAX_LINE_PAGE_SIZE),
    }
    path = f"/v1/invoices/{quote(invoice_id, safe='')}/lineitems"
    for item in client.iter_items(path, params=params, identity=None):
        yield parse_usage_line(item)
