# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Stripe simulator's route table, and `api_post`: form parsing + Stripe's idempotency rules.

Idempotency (Stripe's semantics): a POST with an `Idempotency-Key` already used with the same
parameters answers the first answer again (`Idempotent-Replayed: true`), declines included; the
same key with other parameters answers 400 `idempotency_error`. 5xx answers are not kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seatline.simulators.base import idempotency
from seatline.simulators.base.web import Request, Response, Router
from seatline.simulators.stripe import forms
from seatline.simulators.stripe.objects import StripeError

ROUTER = Router()
ApiHandler = Callable[..., Response]


def params_of(request: Request) -> dict[str, Any]:
    if request.method in ("GET", "DELETE"):
        return forms.decode(request.raw_query)
    return forms.decode(request.body.decode("utf-8"))


def api_post(template: str) -> Callable[[ApiHandler], ApiHandler]:
    """Register `handler(request, params, **segments)` for a POST with Stripe's idempotency."""

    def register(handler: ApiHandler) -> ApiHandler:
        def run(request: Request, **segments: str) -> Response:
            params = params_of(request)
            key = request.header("Idempotency-Key")
            if not key:
                return _answer(handler, request, params, segments)
            print_ = idempotency.fingerprint(request, params)
            entry = idempotency.lookup(request.state, key)
            if entry is not None:
                if entry["fingerprint"] != print_:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        f"first used with. Try using a key other than '{key}' if you meant to execute a "
                        "different request.",
                        type_="idempotency_error",
                    )
                return Response(entry["status"], entry["body"], {"Idempotent-Replayed": "true"})
            response = _answer(handler, request, params, segments, key)
            if response.status < 500:
                idempotency.remember(request.state, key, print_, response)
            return response

        ROUTER.route("POST", template)(run)
        return handler

    return register


def _answer(
    handler: ApiHandler, request: Request, params: dict[str, Any], segments: dict[str, str], key: str = ""
) -> Response:
    try:
        return handler(request, params, idempotency_key=key or None, **segments)
    except StripeError as error:
        if error.status >= 500:
            raise
        return Response(error.status, error.body(), dict(error.headers))


def api_get(template: str) -> Callable[[ApiHandler], ApiHandler]:
    def register(handler: ApiHandler) -> ApiHandler:
        def run(request: Request, **segments: str) -> Response:
            return handler(request, params_of(request), **segments)

        ROUTER.route("GET", template)(run)
        return handler

    return register
