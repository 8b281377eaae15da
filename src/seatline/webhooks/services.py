# SPDX-License-Identifier: AGPL-3.0-or-later
"""Outgoing webhooks: endpoints, the outbox of deliveries (written with the event, in its
transaction), signed delivery by the `send_webhook` job, and replays."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.db import transaction

from seatline import __version__, clock
from seatline.audit.services import record
from seatline.common.events import EVENT_TYPES, Event
from seatline.errors import SeatlineError
from seatline.jobs.registry import RetryAfterCommit
from seatline.jobs.services import enqueue_many
from seatline.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from seatline.webhooks.signing import HEADER as SIGNATURE_HEADER
from seatline.webhooks.signing import signature_header

logger = logging.getLogger("seatline.webhooks")

JOB_TYPE = "send_webhook"
JOB_TYPE_NAME = "Send Webhook"
TIMEOUT_SECONDS = 10.0
RESPONSE_BODY_LIMIT = 2000


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SeatlineError("invalid_url", f"{url!r} is not an http(s) URL", field="url")
    return url


def _check_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise SeatlineError(
            "invalid_event_type", f"unknown event type(s): {', '.join(unknown)}", field="event_types"
        )
    return chosen


def create_endpoint(
    *, name: str, url: str, event_types: Iterable[str], active: bool = True, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint with a generated secret (returned: show it once to configure the receiver)."""
    endpoint = WebhookEndpoint(
        name=name.strip(),
        url=_check_url(url),
        event_types=_check_event_types(event_types),
        active=active,
        description=description,
        secret=new_secret(),
    )
    if not endpoint.name:
        raise SeatlineError("invalid_name", "an endpoint needs a name", field="name")
    with transaction.atomic():
        endpoint.save()
    return endpoint, endpoint.secret


def rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new secret for the endpoint; deliveries sent from now on are signed with it."""
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.secret = new_secret()
        locked.save(update_fields=["secret", "updated_at"])
        record(locked, "webhook_secret_rotated", message="a new signing secret was generated")
    endpoint.secret = locked.secret
    return locked.secret


def event_body(event: Event) -> str:
    """The JSON a receiver gets for `event` (compact, keys sorted: the same bytes on a replay)."""
    envelope = {
        "id": event.id,
        "type": event.type,
        "created": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_events(batch: Sequence[Event]) -> list[WebhookDelivery]:
    """The events listener: a delivery and its `send_webhook` job per event and subscribed
    endpoint, in the transaction that emitted the events (the outbox)."""
    if not batch:
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.subscribes(batch[0].type)]
    if not endpoints:
        return []
    now = clock.now()
    deliveries = []
    for event in batch:
        body = event_body(event)
        for endpoint in endpoints:
            deliveries.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event_id=event.id,
                    event_type=event.type,
                    body=body,
                    created_at=now,
                    updated_at=now,
                )
            )
    WebhookDelivery.objects.bulk_create(deliveries)
    enqueue_many(JOB_TYPE, [({"delivery_id": d.pk}, d) for d in deliveries])
    return deliveries


def replay_delivery(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's body again (byte for byte) as a new delivery, with a fresh timestamp and
    signature (the event id is the same: receivers that de-duplicate by it see a duplicate).
    Refused (`endpoint_inactive`) while the endpoint is inactive: it gets no new deliveries."""
    if not delivery.endpoint.active:
        raise SeatlineError(
            "endpoint_inactive",
            f"{delivery.endpoint.name} is inactive: activate it before replaying its deliveries",
            field="endpoint",
        )
    with transaction.atomic():
        now = clock.now()
        replay = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            replay_of=delivery,
            created_at=now,
            updated_at=now,
        )
        enqueue_many(JOB_TYPE, [({"delivery_id": replay.pk}, replay)])
        record(replay.endpoint, "webhook_replayed", message=f"delivery {delivery.pk} replayed as {replay.pk}")
    return replay


def _truncate(text: str) -> str:
    return text if len(text) <= RESPONSE_BODY_LIMIT else text[:RESPONSE_BODY_LIMIT] + "… (truncated)"


def deliver(*, delivery_id: int, attempt: int, last_attempt: bool) -> dict[str, Any]:
    """POST one delivery (inside the `send_webhook` job). Success: 2xx. A failure is logged and
    raised as RetryAfterCommit: the log commits, the job retries with its backoff."""
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return {"skipped": f"delivery {delivery_id} no longer exists"}
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return {"skipped": f"delivery {delivery_id} already succeeded"}
    endpoint = delivery.endpoint
    now = clock.now()
    if not endpoint.active:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.error = "the endpoint was deactivated"
        delivery.updated_at = now
        delivery.save(update_fields=["status", "error", "updated_at"])
        return {"skipped": "endpoint inactive"}
    body = delivery.body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Seatline-Webhooks/{__version__}",
        "Seatline-Event": delivery.event_type,
        "Seatline-Event-Id": delivery.event_id,
        "Seatline-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    status_code: int | None = None
    response_text = ""
    error = ""
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.post(endpoint.url, content=body, headers=headers)
        status_code = response.status_code
        response_text = _truncate(response.text)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.monotonic() - started) * 1000)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts + 1,
        at=now,
        timestamp=timestamp,
        status_code=status_code,
        response_body=response_text,
        error=error,
        duration_ms=duration,
    )
    delivery.attempts += 1
    delivery.response_status = status_code
    delivery.error = error
    delivery.updated_at = now
    if not error:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
    elif last_attempt:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save(
        update_fields=["attempts", "response_status", "error", "updated_at", "status", "delivered_at"]
    )
    if error:
        logger.info(
            "webhook delivery %s to %s failed (attempt %s): %s", delivery.pk, endpoint.url, attempt, error
        )
        raise RetryAfterCommit(f"delivery {delivery.pk} to {endpoint.url}: {error}")
    return {"delivery_id": delivery.pk, "status_code": status_code, "attempt": delivery.attempts}
