# SPDX-License-Identifier: AGPL-3.0-or-later
"""The portal's pages: home, subscriptions (with seat changes), invoices (with their PDF),
agreements and the profile. Every object is looked up through `selectors` (own account only)."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seatline.errors import SeatlineError
from seatline.invoicing.models import OPEN_STATUSES
from seatline.invoicing.pdfs import pdf_for
from seatline.paynow.views import paynow_path
from seatline.portal import access, selectors, services
from seatline.portal.views.common import forbidden, page, portal_view


@require_GET
@portal_view
def home(request: HttpRequest) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    invoices = selectors.invoices(portal_user)
    open_invoices = list(invoices.filter(status__in=OPEN_STATUSES)[:20])
    return page(
        request,
        "portal/home.html",
        {
            "active_subscriptions": selectors.subscriptions(portal_user).filter(status="active").count(),
            "open_invoices": open_invoices,
        },
    )


@require_GET
@portal_view
def subscriptions(request: HttpRequest) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    return page(request, "portal/subscriptions.html", {"subscriptions": selectors.subscriptions(portal_user)})


@require_GET
@portal_view
def subscription(request: HttpRequest, pk: int) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    found = selectors.subscription(portal_user, pk)
    return page(request, "portal/subscription.html", {"subscription": found, "changes": _changes(found)})


def _changes(subscription: object) -> list[object]:
    return list(subscription.change_logs.order_by("-effective_date", "-id")[:10])  # type: ignore[attr-defined]


@require_POST
@portal_view
def change_seats(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a new seat quantity (htmx: answers the seat panel only). A refusal of the subscription
    services (QRB, NCE window, credit hold) is shown as it is, and nothing changes."""
    portal_user = request.portal_user  # type: ignore[attr-defined]
    found = selectors.subscription(portal_user, pk)
    if not access.can(portal_user, "change_seats"):
        return forbidden(request, "change_seats")
    error = ""
    message = ""
    before = found.quantity
    try:
        change = services.change_seats(
            portal_user=portal_user, subscription=found, quantity=request.POST.get("quantity", "")
        )
    except SeatlineError as exc:
        error = exc.message
    else:
        message = (
            "The quantity is unchanged."
            if change is None
            else f"Seats changed from {before} to {found.quantity}."
        )
    context = {"subscription": found, "error": error, "message": message, "changes": _changes(found)}
    status = 409 if error else 200
    if request.headers.get("HX-Request"):
        return page(request, "portal/_seats.html", context, status=200)  # htmx swaps 2xx only
    return page(request, "portal/subscription.html", context, status=status)


@require_GET
@portal_view
def invoices(request: HttpRequest) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    return page(request, "portal/invoices.html", {"invoices": selectors.invoices(portal_user)[:200]})


@require_GET
@portal_view
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    found = selectors.invoice(portal_user, pk)
    context = {
        "invoice": found,
        "lines": found.lines.order_by("position", "id"),
        # Billing users and portal admins pay; read-only users see the invoice only.
        "paynow": paynow_path(found) if portal_user.role != "read_only" else None,
    }
    return page(request, "portal/invoice.html", context)


@require_GET
@portal_view
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    found = selectors.invoice(portal_user, pk)
    try:
        pdf = pdf_for(found)
    except SeatlineError as exc:
        return page(
            request, "portal/message.html", {"title": f"Invoice {found}", "message": exc.message}, status=409
        )
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    return response


@require_GET
@portal_view
def agreements(request: HttpRequest) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    return page(request, "portal/agreements.html", {"agreements": selectors.agreements(portal_user)})


@require_POST
@portal_view
def accept_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    found = selectors.agreement(portal_user, pk)
    if not access.can(portal_user, "accept_agreements"):
        return forbidden(request, "accept_agreements")
    try:
        services.accept_agreement_as(
            portal_user=portal_user, agreement=found, signer_name=request.POST.get("signer_name", "")
        )
    except SeatlineError as exc:
        context = {
            "agreements": selectors.agreements(portal_user),
            "error": exc.message,
            "error_pk": found.pk,
        }
        return page(request, "portal/agreements.html", context, status=409)
    return HttpResponseRedirect(reverse("portal:agreements") + "?accepted=1")


@require_http_methods(["GET", "POST"])
@portal_view
def profile(request: HttpRequest) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    password_form = PasswordChangeForm(portal_user.user)
    message = ""
    status = 200
    if request.method == "POST" and request.POST.get("form") == "password":
        password_form = PasswordChangeForm(portal_user.user, request.POST)
        if password_form.is_valid():
            password_form.save()
            update_session_auth_hash(request, password_form.user)
            message = "Your password was changed."
        else:
            status = 400
    elif request.method == "POST":
        services.update_profile(
            portal_user=portal_user,
            first_name=request.POST.get("first_name", ""),
            last_name=request.POST.get("last_name", ""),
        )
        message = "Your name was saved."
    return page(
        request, "portal/profile.html", {"password_form": password_form, "message": message}, status=status
    )
