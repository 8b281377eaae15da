# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pax8 invoices into provider invoices (docs/provider-invoices.md, "Sync from Pax8").

`sync_pax8_invoice` reads one Pax8 invoice (the newest that is not void, or the id asked for)
with all its items through the Pax8 connector, resolves every item's Pax8 subscription to the
vendor's subscription id (`vendorSubscriptionId`: Microsoft's subscription id, the one Seatline
subscriptions and reconciliation match on) and imports it through `importing.run_import`: the
same states, checksum, tolerances, replacement and refusals as the Partner Center sync.

Per item: customer = Pax8 company (id and name), provider subscription id = the vendor's id (else
Pax8's own when Pax8 no longer knows the subscription), product:sku = the subscription's
`vendorSkuId` when it is Microsoft's `product:sku` form (else Pax8's product id and sku), charge
type and kind from `type` (subscription/prorate: licence, negative: credit, one-time/service-charge:
one-time, *-credit/rebate: credit), unit price = the partner's unit `cost`, quantity, charge
period = `startPeriod`..`endPeriod`, tax = `salesTax`, total = `amountDue` (else costTotal +
billingFee + salesTax), subtotal = total - tax, reference id = Pax8's subscription id; the raw
row is the item exactly as Pax8 sent it. The header: total = the invoice's `total`, tax = the sum
of the items' `salesTax` (Pax8's invoice states none), billing period = the span of the items'
periods (the invoice date when it has no items).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from decimal import Decimal

from seatline.connectors.errors import ProviderNotFoundError
from seatline.connectors.pax8.connector import Pax8Connector, split_vendor_sku
from seatline.connectors.pax8.records import Pax8Invoice, Pax8InvoiceItem, Pax8Subscription
from seatline.errors import SeatlineError
from seatline.provider_invoices.importing import Header, Origin, parse_tolerance, run_import
from seatline.provider_invoices.models import InvoiceState, ProviderInvoice, Source
from seatline.provider_invoices.rows import LineData, build_line, raw_json
from seatline.providers.models import Provider

CONNECTOR_KEY = "pax8"


def pax8_line(position: int, item: Pax8InvoiceItem, subscription: Pax8Subscription | None) -> LineData:
    """One provider line from a Pax8 invoice item and its subscription (None: unknown to Pax8)."""
    product_id, sku_id = split_vendor_sku(subscription.vendor_sku_id) if subscription else ("", "")
    vendor_id = subscription.vendor_subscription_id if subscription else ""
    texts = {
        "customer_tenant_id": item.company_id,
        "customer_name": item.company_name,
        "provider_subscription_id": vendor_id or item.subscription_id,
        "product_id": product_id or item.product_id,
        "sku_id": sku_id or item.sku,
        "product_name": item.product_name,
        "sku_name": item.description,
        "charge_type": item.type,
        "term_and_billing_cycle": item.term,
        "billing_frequency": subscription.billing_term if subscription else "",
        "reference_id": item.subscription_id,
        "currency": item.currency,
    }
    total = item.partner_total
    amounts: dict[str, Decimal | None] = {
        "unit_price": item.cost,
        "effective_unit_price": item.cost,
        "quantity": item.quantity,
        "billable_quantity": item.quantity,
        "subtotal": total - item.sales_tax,
        "tax": item.sales_tax,
        "total": total,
    }
    dates = {"charge_start": item.start_period, "charge_end": item.end_period}
    return build_line(
        position, texts, amounts, dates, kind="auto", kind_value=item.type, raw=raw_json(dict(item.raw))
    )


def _choose(connector: Pax8Connector, provider: Provider, number: str | None) -> Pax8Invoice:
    if number is not None and number.strip():
        try:
            invoice = connector.invoice(number.strip())
        except ProviderNotFoundError:
            raise SeatlineError(
                "provider_invoice_not_found", f"{provider} has no invoice {number}", field="number"
            ) from None
        if invoice.status.lower() == "void":
            raise SeatlineError(
                "provider_invoice_void", f"{provider} invoice {invoice.id} is void at Pax8", field="number"
            )
        return invoice
    candidates = [invoice for invoice in connector.invoices() if invoice.status.lower() != "void"]
    if not candidates:
        raise SeatlineError("provider_invoice_not_found", f"{provider} has no invoice yet", field="number")
    return max(candidates, key=lambda invoice: (invoice.invoice_date or dt.date.min, invoice.id))


def _header(invoice: Pax8Invoice, lines: list[LineData]) -> Header:
    starts = [line.charge_start for line in lines if line.charge_start is not None]
    ends = [line.charge_end for line in lines if line.charge_end is not None]
    start = min(starts, default=invoice.invoice_date)
    end = max(ends, default=invoice.invoice_date)
    if start is None or end is None:
        raise SeatlineError(
            "provider_bad_response",
            f"Pax8 invoice {invoice.id} has no date and no item periods",
            field="number",
        )
    return Header(
        number=invoice.id,
        period_start=start,
        period_end=max(start, end),
        total=invoice.total,
        tax=sum((line.tax for line in lines), Decimal(0)),
        currency=invoice.currency or "USD",
        invoice_date=invoice.invoice_date,
        document_type=(
            ProviderInvoice.DocumentType.CREDIT_NOTE
            if invoice.total < 0
            else ProviderInvoice.DocumentType.INVOICE
        ),
    )


def _content_hash(invoice: Pax8Invoice, lines: list[LineData]) -> str:
    digest = hashlib.sha256(raw_json(dict(invoice.raw)).encode())
    for line in lines:
        digest.update(b"\n")
        digest.update(json.dumps([line.provider_subscription_id, line.product_id, line.sku_id]).encode())
        digest.update(line.raw.encode())
    return digest.hexdigest()


def sync_pax8_invoice(
    *, provider: Provider, number: str | None = None, override_tolerance: object = None
) -> ProviderInvoice:
    """Download one Pax8 invoice and import it. Refusals (nothing changes): `invalid_tolerance`,
    `provider_no_invoices`, `provider_invoice_not_found`, `provider_invoice_void`,
    `provider_invoice_active` (deactivate it first), provider errors."""
    from seatline.providers.services import connected

    parse_tolerance(override_tolerance)
    with connected(provider) as connector:
        if not isinstance(connector, Pax8Connector):
            raise SeatlineError(
                "provider_no_invoices", f"{provider}'s connector is not Pax8's", field="provider"
            )
        invoice = _choose(connector, provider, number)
        live = ProviderInvoice.objects.filter(
            provider=provider, number=invoice.id, replaced_at__isnull=True
        ).first()
        if live is not None and live.state == InvoiceState.ACTIVE:
            raise SeatlineError(
                "provider_invoice_active",
                f"{provider} invoice {invoice.id} is active: deactivate it before downloading it again",
                field="number",
            )
        items = list(connector.invoice_items(invoice.id))
        subscriptions = connector.vendor_subscription_ids()
        for pax8_id in sorted({item.subscription_id for item in items} - set(subscriptions) - {""}):
            with contextlib.suppress(ProviderNotFoundError):  # deleted at Pax8: its own id is kept
                subscriptions[pax8_id] = connector.subscription(pax8_id)
        lines = [
            pax8_line(position, item, subscriptions.get(item.subscription_id))
            for position, item in enumerate(items, start=1)
        ]
    return run_import(
        provider=provider,
        header=_header(invoice, lines),
        origin=Origin(source=Source.PAX8, content_hash=_content_hash(invoice, lines)),
        rows=lambda: iter(lines),
        override_tolerance=override_tolerance,
    )
