# SPDX-License-Identifier: AGPL-3.0-or-later
"""The processor webhook endpoint: POST /webhooks/<processor kind>/<processor id>/."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from seatline.connectors.payment_errors import WebhookSignatureError
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
