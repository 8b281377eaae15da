# SPDX-License-Identifier: AGPL-3.0-or-later
"""GoCardless ids, error envelope, route table with the idempotency rule, events and webhooks.

Errors: `{"error": {"type", "code", "message", "documentation_url", "request_id", "errors": [...]}}`
with `type` one of `validation_failed` (422), `invalid_api_usage` (400/401/404), `invalid_state`
(409/422) and `gocardless` (500).

Idempotency (GoCardless' semantics): a create POST whose `Idempotency-Key` already created a
resource answers 409 `invalid_state` with the reason `idempotent_creation_conflict` and
`links.conflicting_resource_id` (whatever the body); the client then fetches that resource.

Webhooks: one POST per batch of events, `{"events": [...], "meta": {"webhook_id": "WB..."}}`,
signed with `Webhook-Signature: <hex HMAC-SHA256 of the body with the endpoint secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Callable
from typing import Any

from seatline.simulators.base import idempotency, webhooks
from seatline.simulators.base.clock import fmt_instant
from seatline.simulators.base.errors import InvalidBody, SimError
from seatline.simulators.base.web import Request, Response, Router

ROUTER = Router()
_ALPHABET = string.ascii_uppercase + string.digits
DOCS = "https://developer.gocardless.com/api-reference"


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(12))


class GoCardlessError(SimError):
    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers=headers)
        self.type = type_
        self.errors = errors if errors is not None else [{"reason": type_, "message": message}]

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "type": self.type,
                "code": self.status,
                "message": self.message,
                "documentation_url": f"{DOCS}#api-usage-errors",
                "request_id": new_id("RQ"),
                "errors": self.errors,
            }
        }


def validation(field: str, message: str) -> GoCardlessError:
    return GoCardlessError(
        422,
        "validation_failed",
        "Validation failed",
        [{"field": field, "message": message, "request_pointer": f"/{field}"}],
    )


def invalid_state(reason: str, message: str) -> GoCardlessError:
    return GoCardlessError(422, "invalid_state", message, [{"reason": reason, "message": message}])


def not_found(kind: str) -> GoCardlessError:
    return GoCardlessError(
        404,
        "invalid_api_usage",
        "Resource not found",
        [{"reason": "resource_not_found", "message": f"{kind} not found"}],
    )


def enveloped(request: Request, key: str) -> dict[str, Any]:
    body = request.json()
    inner = body.get(key) if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        raise InvalidBody(f"The request body must be a JSON object with a {key!r} object.")
    return inner


def get(state: Any, store: str, ident: str, kind: str) -> dict[str, Any]:
    found: dict[str, Any] | None = state.data[store].get(ident)
    if found is None:
        raise not_found(kind)
    return found


Creator = Callable[[Request], tuple[str, dict[str, Any]]]


def create_route(template: str, envelope: str) -> Callable[[Creator], Creator]:
    """A create POST: runs `creator(request) -> (id, resource)`, 201 `{envelope: resource}`, idempotent."""

    def register(creator: Creator) -> Creator:
        def run(request: Request, **segments: str) -> Response:
            key = request.header("Idempotency-Key")
            if key:
                entry = idempotency.lookup(request.state, key)
                if entry is not None and entry.get("resourceId"):
                    message = "A resource has already been created with this idempotency key"
                    raise GoCardlessError(
                        409,
                        "invalid_state",
                        message,
                        [
                            {
                                "reason": "idempotent_creation_conflict",
                                "message": message,
                                "links": {"conflicting_resource_id": entry["resourceId"]},
                            }
                        ],
                    )
            ident, resource = creator(request, **segments)
            response = Response(201, {envelope: resource})
            if key:
                idempotency.remember(request.state, key, "", response, ident)
            return response

        ROUTER.route("POST", template)(run)
        return creator

    return register


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {"Webhook-Signature": hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()}


DELIVERER = webhooks.Deliverer(sign)


def event(
    state: Any, resource_type: str, action: str, links: dict[str, str], details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Record an event; it goes out with the other events of the same request in one webhook."""
    record = {
        "id": new_id("EV"),
        "created_at": fmt_instant(state.now()),
        "resource_type": resource_type,
        "action": action,
        "links": links,
        "details": {
            "origin": "gocardless",
            "cause": action,
            "description": f"The {resource_type[:-1]} was {action}.",
            **(details or {}),
        },
        "metadata": {},
    }
    state.data["events"][record["id"]] = record
    state.data.setdefault("unsent_events", []).append(record["id"])
    return record


def flush_events(state: Any) -> None:
    """Queue one webhook with every event recorded since the last one (call under the lock)."""
    ids = state.data.get("unsent_events") or []
    if not ids:
        return
    webhook_id = new_id("WB")
    webhooks.queue(
        state,
        webhook_id,
        {"events": [state.data["events"][i] for i in ids], "meta": {"webhook_id": webhook_id}},
        list(ids),
    )
    state.data["unsent_events"] = []
