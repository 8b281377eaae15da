# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request dispatch: fault injection, bearer check, routing, error bodies, header echo, saving.

Importing this module registers every route (the `api_*`, `auth` and `control` modules).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping
from typing import Any

from seatline.simulators.partner_center import (  # noqa: F401  (imported for their routes)
    api_billing,
    api_commerce,
    api_customers,
    auth,
    control,
    jsonio,
)
from seatline.simulators.partner_center.control import fault_pattern
from seatline.simulators.partner_center.errors import ApiError
from seatline.simulators.partner_center.state import SimState
from seatline.simulators.partner_center.web import Request, Response, match

logger = logging.getLogger(__name__)


def _take_fault(state: SimState, method: str, path: str) -> dict[str, Any] | None:
    for fault in state.data["faults"]:
        fault_method, pattern = fault_pattern(fault["route"])
        if fault_method in ("*", method) and pattern.match(path):
            fault["remaining"] -= 1
            if fault["remaining"] <= 0:
                state.data["faults"].remove(fault)
            return dict(fault)
    return None


def _fault_response(fault: dict[str, Any]) -> Response:
    status = fault["status"]
    headers: dict[str, str] = {}
    if fault.get("retryAfter") is not None:
        headers["Retry-After"] = str(math.ceil(fault["retryAfter"]))
    if status == 429:
        error = ApiError(
            429,
            429,
            "Too many requests. Retry after the interval in Retry-After.",
            "TooManyRequests",
            retryable=True,
        )
    else:
        error = ApiError(
            status, status, f"Injected fault: HTTP {status}.", "SimulatedFault", retryable=status >= 500
        )
    return Response(status, error.body(), headers)


def dispatch(
    state: SimState,
    method: str,
    raw_path: str,
    query: dict[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> Response:
    """Handle one request; the caller holds no lock (this takes `state.lock`)."""
    path = raw_path.rstrip("/") or "/"
    request = Request(method, path, query, headers, body, state)
    echo = {
        "MS-RequestId": request.header("MS-RequestId") or str(uuid.uuid4()),
        "MS-CorrelationId": request.header("MS-CorrelationId") or str(uuid.uuid4()),
    }
    with state.lock:
        response = _handle(request)
        if response.status < 500 and request.method not in ("GET", "HEAD"):
            state.save()
        if path.lower().startswith("/v1/") and response.body is not None and response.raw is None:
            # The answer-shape switches (config `bom`, `pascal_case`): API answers only.
            response.raw = jsonio.encode_api_body(
                response.body, bom=state.config["bom"], pascal_case=state.config["pascal_case"]
            )
    response.headers = {**echo, **response.headers}
    return response


def _handle(request: Request) -> Response:
    state = request.state
    is_control = request.path.lower().startswith("/_sim/")
    route_hit, params, path_known = match(request.method, request.path)
    try:
        fault = None if is_control else _take_fault(state, request.method, request.path)
        if fault and fault["status"] != 202:
            return _fault_response(fault)
        if request.path.lower().startswith("/v1/"):
            auth.check_bearer(request)
        if route_hit is None:
            if path_known:
                raise ApiError(
                    405, 405, f"Method {request.method} isn't allowed on {request.path}.", "MethodNotAllowed"
                )
            raise ApiError(404, 1000, f"Resource {request.path} not found.", "NotFound")
        response = route_hit.handler(request, **params)
        if fault and response.status < 300:
            location = request.path.removeprefix("/v1")
            return Response(202, None, {"Location": location})
        return response
    except ApiError as error:
        return Response(error.status, error.body(), dict(error.headers))
    except Exception:  # a simulator bug must still answer JSON, and be visible in the log
        logger.exception("partner center simulator: unhandled error on %s %s", request.method, request.path)
        error = ApiError(500, 800003, "Unexpected service error.", "InternalServerError", retryable=True)
        return Response(500, error.body())
