# SPDX-License-Identifier: AGPL-3.0-or-later
"""One request through a simulator: fault injection, authentication, routing, error bodies, saving.

A vendor describes itself with a `SimulatorApp` subclass (its router, its error envelope, its
authentication); `dispatch` is the same for every vendor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from seatline.simulators.base.errors import InvalidBody, SimError
from seatline.simulators.base.faults import take_fault
from seatline.simulators.base.web import Request, Response, Router

logger = logging.getLogger(__name__)


class SimulatorApp:
    """A vendor's hooks; override the error builders to speak the vendor's envelope."""

    name = "simulator"
    router: Router
    request_class: type[Request] = Request

    def bad_request(self, message: str) -> SimError:
        return SimError(400, message)

    def not_found(self, request: Request) -> SimError:
        return SimError(404, f"Resource {request.path} not found.")

    def method_not_allowed(self, request: Request) -> SimError:
        return SimError(405, f"Method {request.method} isn't allowed on {request.path}.")

    def internal_error(self) -> SimError:
        return SimError(500, "Unexpected service error.")

    def fault_error(self, fault: dict[str, Any]) -> SimError:
        return SimError(fault["status"], f"Injected fault: HTTP {fault['status']}.")

    def authenticate(self, request: Request) -> None:
        """Raise the vendor's 401 for an API request without valid credentials (control routes skip this)."""

    def accepted(self, request: Request, response: Response) -> Response:
        """The answer to a request run under a 202 fault."""
        return Response(202, None)

    def finish(self, request: Request, response: Response) -> Response:
        """Last touch on every answer (request-id headers and the like)."""
        return response

    def before_save(self, state: Any) -> None:
        """Called under the state lock after a mutating request, before saving (batch events)."""

    def after_save(self, state: Any) -> None:
        """Called after a mutating request, outside the state lock (webhook delivery)."""


def dispatch(
    app: SimulatorApp,
    state: Any,
    method: str,
    raw_path: str,
    query: dict[str, str],
    headers: Mapping[str, str],
    body: bytes,
    raw_query: str = "",
) -> Response:
    """Handle one request; the caller holds no lock (this takes `state.lock`)."""
    path = raw_path.rstrip("/") or "/"
    request = app.request_class(method, path, query, headers, body, state, raw_query)
    with state.lock:
        response = _handle(app, request)
        mutating = response.status < 500 and request.method not in ("GET", "HEAD")
        if mutating:
            app.before_save(state)
            state.save()
    hold = getattr(request, "hold", None)
    if hold:  # a `hold` fault: done, but the answer comes late (a worker may die meanwhile)
        time.sleep(float(hold))
    if response.after is not None:
        response = response.after()
    response = app.finish(request, response)
    if mutating:
        app.after_save(state)
    return response


def _handle(app: SimulatorApp, request: Request) -> Response:
    state = request.state
    is_control = request.path.lower().startswith("/_sim/")
    route_hit, params, path_known = app.router.match(request.method, request.path)
    try:
        fault = None if is_control else take_fault(state.data["faults"], request.method, request.path)
        if fault and fault.get("hold"):
            request.hold = fault["hold"]  # type: ignore[attr-defined]
            fault = None
        if fault and fault["status"] != 202:
            error = app.fault_error(fault)
            return Response(error.status, error.body(), dict(error.headers))
        if not is_control:
            app.authenticate(request)
        if route_hit is None:
            raise app.method_not_allowed(request) if path_known else app.not_found(request)
        try:
            response = route_hit.handler(request, **params)
        except InvalidBody as exc:
            raise app.bad_request(str(exc)) from exc
        if fault and response.status < 300:
            return app.accepted(request, response)
        return response
    except SimError as error:
        return Response(error.status, error.body(), dict(error.headers))
    except Exception:  # a simulator bug must still answer in the vendor's format, and be visible in the log
        logger.exception("%s simulator: unhandled error on %s %s", app.name, request.method, request.path)
        error = app.internal_error()
        return Response(error.status, error.body(), dict(error.headers))
