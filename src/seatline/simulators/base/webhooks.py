# SPDX-License-Identifier: AGPL-3.0-or-later
"""Webhooks: signed POSTs of event bodies to a configured URL, with delivery log and replay.

A vendor queues a body (`queue`) when something happens; the body text is fixed then, so a replay
is byte-identical and only the signature header is made afresh. Delivery happens outside the
state lock (the receiver may call the simulator back): automatically after each mutating request
when `auto` is on (a background thread, in order), or on `POST /_sim/webhooks/deliver`.

Control routes (`install_webhook_control`):

* `GET /_sim/webhooks` -> `{"url", "secret", "auto"}`; `POST /_sim/webhooks {"url", "secret", "auto"}`.
* `GET /_sim/webhooks/deliveries` -> every queued webhook with its delivery attempts.
* `POST /_sim/webhooks/deliver` -> delivers what is pending now -> `{"delivered": [...]}`.
* `POST /_sim/webhooks/{id}/replay` -> posts that webhook again (fresh signature) -> its attempt.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from seatline.simulators.base import jsonio
from seatline.simulators.base.clock import fmt_instant
from seatline.simulators.base.control import json_object
from seatline.simulators.base.errors import InvalidBody, SimError
from seatline.simulators.base.web import Request, Response, Router

logger = logging.getLogger(__name__)

# (secret, body bytes, wall-clock unix time) -> signature headers
Signer = Callable[[str, bytes, int], dict[str, str]]
TIMEOUT = 10.0


def fresh_config(secret: str) -> dict[str, Any]:
    return {"url": "", "secret": secret, "auto": True}


def queue(state: Any, webhook_id: str, payload: Any, event_ids: list[str] | None = None) -> None:
    """Store a webhook body for delivery (call under the state lock)."""
    state.data.setdefault("webhooks", []).append(
        {
            "id": webhook_id,
            "body": jsonio.dumps(payload),
            "eventIds": event_ids or [],
            "createdAt": fmt_instant(state.now()),
            "pending": True,
            "deliveries": [],
        }
    )


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.reason if isinstance(exc.reason, str) else str(exc.reason)
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


class Deliverer:
    """Posts pending webhooks, one at a time, in the order they were queued."""

    def __init__(self, sign: Signer) -> None:
        self.sign = sign
        self._sending = threading.Lock()

    def _attempt(self, state: Any, hook: dict[str, Any], url: str, secret: str) -> dict[str, Any]:
        body = hook["body"].encode("utf-8")
        status, error = _post(url, body, self.sign(secret, body, int(time.time())))
        attempt = {"at": fmt_instant(state.now()), "url": url, "status": status, "error": error}
        with state.lock:
            hook["deliveries"].append(attempt)
            hook["pending"] = not 200 <= status < 300
            state.save()
        return {"id": hook["id"], **attempt}

    def deliver_pending(self, state: Any) -> list[dict[str, Any]]:
        with self._sending:
            with state.lock:
                config = state.data["webhook_config"]
                url, secret = config["url"], config["secret"]
                pending = [hook for hook in state.data.get("webhooks", []) if hook["pending"]]
            if not url:
                return []
            results = []
            for hook in pending:
                result = self._attempt(state, hook, url, secret)
                results.append(result)
                if not 200 <= result["status"] < 300:
                    break  # keep the order: later webhooks wait for this one
            return results

    def replay(self, state: Any, webhook_id: str) -> dict[str, Any]:
        with self._sending:
            with state.lock:
                config = state.data["webhook_config"]
                url, secret = config["url"], config["secret"]
                found = [hook for hook in state.data.get("webhooks", []) if hook["id"] == webhook_id]
            if not found:
                raise LookupError(webhook_id)
            if not url:
                return {"id": webhook_id, "status": 0, "error": "no webhook URL is configured"}
            return self._attempt(state, found[0], url, secret)

    def deliver_in_background(self, state: Any) -> None:
        with state.lock:
            config = state.data["webhook_config"]
            wanted = (
                config["auto"] and config["url"] and any(h["pending"] for h in state.data.get("webhooks", []))
            )
        if wanted:
            threading.Thread(
                target=self._quietly, args=(state,), name="webhook-delivery", daemon=True
            ).start()

    def _quietly(self, state: Any) -> None:
        try:
            self.deliver_pending(state)
        except Exception:  # a background delivery must never kill the simulator
            logger.exception("webhook delivery failed")


def install_webhook_control(
    router: Router, deliverer: Deliverer, not_found: Callable[[str], SimError]
) -> None:
    @router.route("GET", "/_sim/webhooks")
    def get_config(request: Request) -> Response:
        return Response(200, request.state.data["webhook_config"])

    @router.route("POST", "/_sim/webhooks")
    def set_config(request: Request) -> Response:
        body = json_object(request)
        config = request.state.data["webhook_config"]
        for key, kind in (("url", str), ("secret", str), ("auto", bool)):
            if key in body:
                if not isinstance(body[key], kind):
                    raise InvalidBody(f"{key} must be a {kind.__name__}.")
                config[key] = body[key]
        return Response(200, config)

    @router.route("GET", "/_sim/webhooks/deliveries")
    def list_deliveries(request: Request) -> Response:
        return Response(200, {"webhooks": request.state.data.get("webhooks", [])})

    @router.route("POST", "/_sim/webhooks/deliver")
    def deliver(request: Request) -> Response:
        state = request.state
        return Response(
            200, None, after=lambda: Response(200, {"delivered": deliverer.deliver_pending(state)})
        )

    @router.route("POST", "/_sim/webhooks/{webhook_id}/replay")
    def replay(request: Request, webhook_id: str) -> Response:
        state = request.state
        if not any(hook["id"] == webhook_id for hook in state.data.get("webhooks", [])):
            raise not_found(webhook_id)
        return Response(200, None, after=lambda: Response(200, deliverer.replay(state, webhook_id)))
