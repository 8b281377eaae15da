# SPDX-License-Identifier: AGPL-3.0-or-later
"""The processor webhook endpoint: POST /webhooks/<processor kind>/<processor id>/."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from seatline.connectors.payment_errors import WebhookSignatureError
from seatline.errors import SeatlineError
from seatline.payments import requests
from seatline.payments.models import PaymentProcessor
from seatline.payments.processor_events import receive


@csrf_exempt
@require_POST
def processor_webhook(request: HttpRequest, kind: str, pk: int) -> JsonResponse:
    processor = PaymentProcessor.objects.filter(pk=pk, kind=kind, active=True).first()
    if processor is None:
        raise Http404("no such payment processor")
    try:
        outcomes = receive(processor=processor, body=request.body, headers=dict(request.headers))
    except WebhookSignatureError as exc:
        return JsonResponse({"error": exc.code, "message": exc.message}, status=400)
    return JsonResponse(
        {"events": [{"id": o.event_id, "type": o.type, "outcome": o.outcome} for o in outcomes]}
    )


STATUS_OF = {"request_invalid": 404, "request_used": 410, "request_expired": 410}


def _page(
    request: HttpRequest, title: str, message: str, *, status: int = 200, problem: bool = False
) -> HttpResponse:
    return render(
        request, "payments/page.html", {"title": title, "message": message, "problem": problem}, status=status
    )


def profile_request(request: HttpRequest, token: str) -> HttpResponse:
    """The secure link of a payment method request: on to the processor's hosted page."""
    try:
        pending = requests.open_request(token)
        done = request.build_absolute_uri(reverse("payments-public:profile-request-done", args=[token]))
        session = requests.start_request_setup(request=pending, return_url=done)
    except SeatlineError as exc:
        return _page(
            request, "Payment method", exc.message, status=STATUS_OF.get(exc.code, 400), problem=True
        )
    return HttpResponseRedirect(session.url)


def profile_request_done(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pending = requests.open_request(token)
        profile = requests.finish_request(request=pending)
    except SeatlineError as exc:
        return _page(
            request, "Payment method", exc.message, status=STATUS_OF.get(exc.code, 400), problem=True
        )
    return _page(
        request, "Payment method saved", f"Thank you: {profile.label} is saved for {profile.account.name}."
    )
