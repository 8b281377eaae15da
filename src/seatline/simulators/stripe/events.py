# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stripe events and their webhooks, signed like Stripe: `Stripe-Signature: t=<unix>,v1=<hex>`.

`v1` is HMAC-SHA256 over `"<t>.<raw body>"` with the endpoint secret (`whsec_...`). `t` is wall-clock
time (receivers check it against their own clock, 300 s tolerance); the event's `created` is the
simulator clock.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from typing import Any

from seatline.simulators.base import webhooks
from seatline.simulators.stripe.objects import from_fixture, new_id

API_VERSION = "2026-10-28.endive"


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={digest}"}


def public(resource: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(resource)


def emit(
    state: Any, type_: str, resource: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    """Record event `type_` about `resource` (a snapshot) and queue its webhook."""
    event = from_fixture(
        "event",
        id=new_id("evt_"),
        api_version=API_VERSION,
        created=state.timestamp(),
        data={"object": public(resource)},
        pending_webhooks=1 if state.data["webhook_config"]["url"] else 0,
        request={"id": None, "idempotency_key": idempotency_key},
        type=type_,
    )
    state.data["events"][event["id"]] = event
    webhooks.queue(state, event["id"], event, [event["id"]])
    return event


DELIVERER = webhooks.Deliverer(sign)
