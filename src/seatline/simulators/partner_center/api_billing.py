# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invoices, billed reconciliation line items and unbilled line items (6.2 rows 12-14)."""

from __future__ import annotations

import copy
from typing import Any

from seatline.simulators.partner_center import ledger, paging
from seatline.simulators.partner_center.errors import bad_request, not_found
from seatline.simulators.partner_center.web import Request, Response, route


def _invoice_or_404(request: Request, invoice_id: str) -> dict[str, Any]:
    wanted = invoice_id.upper().removeprefix("ONETIME-")
    for invoice in ledger.published_invoices(request.state):
        if invoice["id"] == wanted:
            return invoice
    raise not_found(f"Invoice {invoice_id} not found.", 1000, "InvoiceNotFound")


@route("GET", "/v1/invoices")
def list_invoices(request: Request) -> Response:
    invoices = sorted(
        ledger.published_invoices(request.state), key=lambda inv: inv["invoiceDate"], reverse=True
    )
    items = [ledger.invoice_resource(request.state, inv, with_pdf=False) for inv in invoices]
    return Response(200, paging.page(request, items, key="invoices", next_uri="/invoices"))


@route("GET", "/v1/invoices/{invoice_id}")
def get_invoice(request: Request, invoice_id: str) -> Response:
    return Response(
        200, ledger.invoice_resource(request.state, _invoice_or_404(request, invoice_id), with_pdf=True)
    )


@route("GET", "/v1/invoices/{invoice_id}/documents/statement")
def invoice_statement(request: Request, invoice_id: str) -> Response:
    invoice = _invoice_or_404(request, invoice_id)
    text = f"%PDF-1.4\n% Partner Center simulator statement for invoice {invoice['id']}\n%%EOF\n"
    return Response(200, raw=text.encode(), content_type="application/pdf")


def _check_recon_params(request: Request, *, provider: str | None, kind: str | None) -> str:
    if (provider or "").lower() not in ("onetime", "all", "office", "azure"):
        raise bad_request("provider must be onetime, office or azure.")
    if (kind or "").lower() not in ("billinglineitems", "usagelineitems"):
        raise bad_request("invoicelineitemtype must be billinglineitems or usagelineitems.")
    return (kind or "").lower()


def _rows_page(
    request: Request, rows: list[dict[str, Any]], *, key: str, next_uri: str, kind: str
) -> Response:
    body = paging.page(request, copy.deepcopy(rows), key=f"{key}:{kind}", next_uri=next_uri)
    return Response(200, body)


def _document_rows(request: Request, invoice_id: str, kind: str) -> list[dict[str, Any]]:
    if (request.param("provider") or "onetime").lower() in ("office", "azure"):
        return []  # the simulator issues new-commerce (one_time) invoices only
    if kind == "usagelineitems":
        currency = request.param("currencycode")
        if currency and currency.upper() != "USD":
            return []
        return ledger.invoice_usage(request.state, invoice_id)
    return ledger.invoice_rows(request.state, invoice_id)


@route("GET", "/v1/invoices/{invoice_id}/lineitems")
def invoice_line_items(request: Request, invoice_id: str) -> Response:
    invoice = _invoice_or_404(request, invoice_id)
    kind = _check_recon_params(
        request, provider=request.param("provider"), kind=request.param("invoicelineitemtype")
    )
    rows = _document_rows(request, invoice["id"], kind)
    next_uri = f"/invoices/{invoice['id']}/lineitems?provider=onetime&invoicelineitemtype={kind}"
    return _rows_page(request, rows, key=f"lineitems:{invoice['id']}", next_uri=next_uri, kind=kind)


@route("GET", "/v1/invoices/{invoice_id}/lineitems/{provider}/{kind}")
def invoice_line_items_path_form(request: Request, invoice_id: str, provider: str, kind: str) -> Response:
    """The older path form `/invoices/OneTime-G.../lineitems/OneTime/BillingLineItems`."""
    invoice = _invoice_or_404(request, invoice_id)
    kind = _check_recon_params(request, provider=provider, kind=kind)
    rows = _document_rows(request, invoice["id"], kind)
    next_uri = f"/invoices/OneTime-{invoice['id']}/lineitems/OneTime/{'BillingLineItems' if kind == 'billinglineitems' else 'UsageLineItems'}"
    return _rows_page(request, rows, key=f"lineitems:{invoice['id']}", next_uri=next_uri, kind=kind)


@route("GET", "/v1/invoices/unbilled/lineitems")
def unbilled_line_items(request: Request) -> Response:
    kind = _check_recon_params(
        request, provider=request.param("provider"), kind=request.param("invoicelineitemtype")
    )
    currency = request.param("currencycode")
    if not currency:
        raise bad_request("currencycode is required.")
    period = (request.param("period") or "").lower()
    if period not in ("current", "previous"):
        raise bad_request("period must be current or previous.")
    rows = ledger.unbilled_rows(request.state, period) if currency.upper() == "USD" else []
    if kind == "usagelineitems":
        rows = []  # unbilled daily rated usage is not simulated
    next_uri = (
        f"/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype={kind}"
        f"&currencycode={currency.upper()}&period={period}"
    )
    return _rows_page(
        request, rows, key=f"unbilled:{period}:{currency.upper()}", next_uri=next_uri, kind=kind
    )


@route("GET", "/v1/invoices/estimates/links")
def estimate_links(request: Request) -> Response:
    currency = (request.param("currencycode") or "USD").upper()
    links = {
        period: {
            "uri": f"/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=billinglineitems"
            f"&currencycode={currency}&period={period}&size=2000",
            "method": "GET",
            "headers": [],
        }
        for period in ("current", "previous")
    }
    body = {"reconciliationLinks": links, "attributes": {"objectType": "InvoiceEstimateLinks"}}
    return Response(200, body)
