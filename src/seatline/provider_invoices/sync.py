# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provider invoice sync from the provider's API (Partner Center: v1 line items or the Graph v2 export).

`sync_invoice` downloads one invoice (the newest, or the number asked for) and imports it through
`importing.run_import`. The invoice is only downloaded once its usage data is complete: Microsoft
publishes the invoice on the 6th-8th and its daily rated usage a few days later, so an invoice
that announces usage lines (`usage_line_items` detail) waits until the first page of its usage
line items answers rows (else `provider_invoice_usage_pending`: the daily job tries again the next
day). A credit note has no daily rated usage (Microsoft publishes none) and is never waited for.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from seatline.connectors.base import InvoiceDocumentType, RatedUsageLine, ReconciliationLine
from seatline.connectors.base import ProviderInvoice as RemoteInvoice
from seatline.errors import SeatlineError
from seatline.provider_invoices import pax8
from seatline.provider_invoices.importing import Header, Origin, parse_tolerance, run_import, settings_for
from seatline.provider_invoices.models import InvoiceState, LineKind, ProviderInvoice, Source
from seatline.provider_invoices.rows import LineData, build_line, raw_json
from seatline.providers.models import Provider

DOCUMENT_TYPES = {
    InvoiceDocumentType.INVOICE: ProviderInvoice.DocumentType.INVOICE,
    InvoiceDocumentType.CREDIT_NOTE: ProviderInvoice.DocumentType.CREDIT_NOTE,
}


@dataclass(frozen=True)
class RemoteStatus:
    """A provider's invoice with its state in Seatline (the manual sync dialog's list)."""

    remote: RemoteInvoice
    seatline_state: str  # "" when never imported

    @property
    def label(self) -> str:
        state = self.seatline_state or "not imported"
        kind = "credit note" if self.remote.is_credit_note else "invoice"
        period = f"{self.remote.period_start}..{self.remote.period_end}"
        if self.remote.period_start is None:  # Pax8: the invoice states a date, its items the periods
            period = f"dated {self.remote.invoice_date}, {self.remote.status or 'no status'}"
        return f"{self.remote.id} ({kind}, {period}, {self.remote.total_charges} {self.remote.currency}): {state}"


def _documents(invoices: list[RemoteInvoice]) -> list[RemoteInvoice]:
    seen: dict[str, RemoteInvoice] = {}
    for invoice in invoices:
        for document in invoice.documents():
            seen.setdefault(document.id, document)
    return sorted(
        seen.values(), key=lambda doc: (doc.invoice_date or doc.period_end or doc.period_start, doc.id)
    )


def remote_invoices(provider: Provider) -> list[RemoteStatus]:
    """The provider's invoices and credit notes, newest first, with their Seatline state."""
    from seatline.providers.services import connected

    with connected(provider) as connector:
        documents = _documents(connector.list_invoices())
    states = dict(
        ProviderInvoice.objects.filter(provider=provider, replaced_at__isnull=True).values_list(
            "number", "state"
        )
    )
    return [RemoteStatus(doc, states.get(doc.id, "")) for doc in reversed(documents)]


def _header(document: RemoteInvoice) -> Header:
    if document.period_start is None or document.period_end is None:
        raise SeatlineError(
            "provider_bad_response", f"invoice {document.id} has no readable billing period", field="number"
        )
    return Header(
        number=document.id,
        period_start=document.period_start,
        period_end=document.period_end,
        total=document.total_charges,
        tax=document.tax_total or 0,
        currency=document.currency or "USD",
        invoice_date=document.invoice_date,
        document_type=DOCUMENT_TYPES.get(document.document_type, ProviderInvoice.DocumentType.OTHER),
        amends_number=document.amends_of,
    )


def licence_line(position: int, line: ReconciliationLine) -> LineData:
    texts = {
        "customer_tenant_id": line.customer_id,
        "customer_name": line.customer_name,
        "provider_subscription_id": line.subscription_id,
        "product_id": line.product_id,
        "sku_id": line.sku_id,
        "product_name": line.product_name,
        "sku_name": line.sku_name,
        "charge_type": line.charge_type,
        "term_and_billing_cycle": line.term_and_billing_cycle,
        "billing_frequency": line.billing_frequency,
        "reference_id": line.reference_id,
        "currency": line.currency,
    }
    amounts = {
        "unit_price": line.unit_price,
        "effective_unit_price": line.effective_unit_price,
        "quantity": line.quantity,
        "billable_quantity": line.billable_quantity,
        "subtotal": line.subtotal,
        "tax": line.tax_total,
        "total": line.total,
        "exchange_rate": line.exchange_rate,
    }
    dates = {"charge_start": line.charge_start, "charge_end": line.charge_end}
    return build_line(
        position, texts, amounts, dates, kind="auto", kind_value="", raw=raw_json(dict(line.raw))
    )


def usage_line(position: int, line: RatedUsageLine) -> LineData:
    texts = {
        "customer_tenant_id": line.customer_id,
        "customer_name": line.customer_name,
        "provider_subscription_id": line.subscription_id,
        "product_id": line.product_id,
        "sku_id": line.sku_id,
        "product_name": line.product_name,
        "sku_name": line.sku_name,
        "charge_type": line.charge_type,
        "meter_name": line.meter_name,
        "currency": line.currency,
    }
    amounts = {
        "unit_price": line.unit_price,
        "effective_unit_price": line.effective_unit_price,
        "quantity": line.quantity,
        "subtotal": line.pre_tax_total,
        "total": line.pre_tax_total,
        "exchange_rate": line.exchange_rate,
    }
    dates = {"charge_start": line.charge_start, "charge_end": line.charge_end, "usage_date": line.usage_date}
    return build_line(
        position, texts, amounts, dates, kind=LineKind.USAGE, kind_value="", raw=raw_json(dict(line.raw))
    )


def _usage_ready(connector: Any, document: RemoteInvoice) -> bool:
    if not document.has_usage_lines:
        return True
    first = next(iter(connector.iter_usage_lines(document.id, document.currency or "USD")), None)
    return first is not None


def _v1_lines(connector: Any, document: RemoteInvoice) -> tuple[Iterator[Any], Iterator[Any]]:
    """v1 line items of every `invoiceDetails` entry (billing provider x line item type)."""
    details = [(d.billing_provider or "one_time", d.line_item_type) for d in document.details]
    billing = [p for p, kind in details if kind.replace("_", "").lower() == "billinglineitems"] or [
        "one_time"
    ]
    metered = [p for p, kind in details if kind.replace("_", "").lower() == "usagelineitems"]
    currency = document.currency or "USD"
    licences = itertools.chain.from_iterable(
        connector.iter_invoice_lines(document.id, billing_provider=p) for p in dict.fromkeys(billing)
    )
    usage = itertools.chain.from_iterable(
        connector.iter_usage_lines(document.id, currency, billing_provider=p) for p in dict.fromkeys(metered)
    )
    return licences, usage


def sync_invoice(
    *,
    provider: Provider,
    number: str | None = None,
    override_tolerance: Any = None,
    source: str | None = None,
) -> ProviderInvoice:
    """Download one invoice and import it (refusals: `provider_invoice_not_found`,
    `provider_invoice_usage_pending`, `provider_invoice_active`, `invalid_tolerance`, provider errors)."""
    from seatline.providers.services import connected

    if provider.connector == pax8.CONNECTOR_KEY:  # Pax8's invoices and items (`pax8.py`)
        return pax8.sync_pax8_invoice(provider=provider, number=number, override_tolerance=override_tolerance)
    parse_tolerance(override_tolerance)
    source = source or settings_for(provider).sync_source
    if source not in (Source.API_V1, Source.GRAPH_V2):
        raise SeatlineError("invalid_source", f"unknown sync source {source!r}", field="source")
    with connected(provider) as connector:
        if not hasattr(connector, "iter_usage_lines"):
            raise SeatlineError(
                "provider_no_invoices", f"{provider}'s connector cannot download invoices", field="provider"
            )
        documents = _documents(connector.list_invoices())
        if number is not None:
            wanted = number.strip().upper()
            found = [doc for doc in documents if doc.id.upper() == wanted]
            if not found:
                raise SeatlineError(
                    "provider_invoice_not_found", f"{provider} has no invoice {number}", field="number"
                )
            document = found[0]
        elif documents:
            document = documents[-1]
        else:
            raise SeatlineError(
                "provider_invoice_not_found", f"{provider} has no invoice yet", field="number"
            )
        live = ProviderInvoice.objects.filter(
            provider=provider, number=document.id, replaced_at__isnull=True
        ).first()
        if live is not None and live.state == InvoiceState.ACTIVE:
            raise SeatlineError(
                "provider_invoice_active",
                f"{provider} invoice {document.id} is active: deactivate it before downloading it again",
                field="number",
            )
        if not _usage_ready(connector, document):
            raise SeatlineError(
                "provider_invoice_usage_pending",
                f"{provider} invoice {document.id}: its daily rated usage is not available yet",
                field="number",
            )

        def rows() -> Iterator[LineData]:
            counter = itertools.count(1)
            if source == Source.GRAPH_V2:
                licences: Any = connector.export_reconciliation_lines(document.id)
                usage: Any = connector.export_usage_lines(document.id) if document.has_usage_lines else ()
            else:
                licences, usage = _v1_lines(connector, document)
            for line in licences:
                yield licence_line(next(counter), line)
            for item in usage:
                yield usage_line(next(counter), item)

        return run_import(
            provider=provider,
            header=_header(document),
            origin=Origin(source=source),
            rows=rows,
            override_tolerance=override_tolerance,
        )


def newest_number(provider: Provider) -> str | None:
    from seatline.providers.services import connected

    with connected(provider) as connector:
        documents = _documents(connector.list_invoices())
    return documents[-1].id if documents else None
