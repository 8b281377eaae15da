# SPDX-License-Identifier: AGPL-3.0-or-later
"""The PayNow page: /pay/invoice/<signed token>/ shows the invoice's lines, totals, status and
PDF, and pays its open balance on the processor's hosted page ("save for future use" keeps the
card as a payment profile). It still opens after payment, showing Paid."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from seatline.documents.formatting import Formatter
from seatline.documents.services import document_bytes, render_document
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.payments import paynow
from seatline.payments.status import OPEN


def paynow_path(invoice: Invoice) -> str | None:
    """The PayNow page's path for `invoice`, or None when it has nothing to pay or no processor
    takes hosted payments for it."""
    if not invoice.is_issued or invoice.balance <= 0:
        return None
    try:
        if paynow.paynow_processor(invoice) is None:
            return None
    except SeatlineError:
        return None
    return reverse("paynow:invoice", args=[paynow.link_token(invoice)])


def paynow_link(invoice: Invoice) -> str | None:
    """The absolute PayNow link of `invoice` (setting SEATLINE_PUBLIC_URL), or None."""
    base = getattr(settings, "SEATLINE_PUBLIC_URL", "")
    path = paynow_path(invoice) if base else None
    return base.rstrip("/") + path if path else None


def _problem(request: HttpRequest, exc: SeatlineError) -> HttpResponse:
    context = {"title": "Invoice", "message": exc.message, "problem": True}
    return render(request, "payments/page.html", context, status=404)


@require_http_methods(["GET", "POST"])
def invoice_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invoice = paynow.invoice_for_token(token)
    except SeatlineError as exc:
        return _problem(request, exc)
    message, problem = "", False
    if request.method == "POST":
        here = request.build_absolute_uri(reverse("paynow:invoice", args=[token]))
        back = request.build_absolute_uri(reverse("paynow:return", args=[token]))
        try:
            url = paynow.start_checkout(
                invoice=invoice,
                success_url=back + "?session_id={CHECKOUT_SESSION_ID}",
                cancel_url=here,
                save=bool(request.POST.get("save")),
            )
        except SeatlineError as exc:
            message, problem = exc.message, True
        else:
            return HttpResponseRedirect(url)
    invoice.refresh_from_db()
    fmt = Formatter(invoice.account.language)
    context = {
        "title": f"Invoice {invoice.number}",
        "invoice": invoice,
        # Formatted for the account's locale, in the invoice's currency, like its PDF.
        "lines": [
            (line.description, fmt.quantity(line.quantity), fmt.money(line.net, invoice.currency))
            for line in invoice.lines.order_by("position")
        ],
        "taxes": [
            (f"{tax.name} ({fmt.percent(tax.percent)})", fmt.money(tax.amount, invoice.currency))
            for tax in invoice.taxes.order_by("position")
        ],
        "total": fmt.money(invoice.total, invoice.currency),
        "balance": fmt.money(invoice.balance, invoice.currency),
        "invoice_date": fmt.date(invoice.invoice_date),
        "due_date": fmt.date(invoice.due_date),
        "payable": invoice.status in OPEN and invoice.balance > 0,
        "pdf_url": reverse("paynow:pdf", args=[token]),
        "message": message,
        "problem": problem,
    }
    return render(request, "paynow/invoice.html", context)


def checkout_return(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invoice = paynow.invoice_for_token(token)
        paynow.finish_checkout(invoice=invoice, session_id=request.GET.get("session_id", ""))
    except SeatlineError as exc:
        return _problem(request, exc)
    return HttpResponseRedirect(reverse("paynow:invoice", args=[token]))


def invoice_pdf(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invoice = paynow.invoice_for_token(token)
    except SeatlineError as exc:
        return _problem(request, exc)
    document = render_document(invoice=invoice)
    response = HttpResponse(document_bytes(document=document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response
