# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request dispatch: fault injection, bearer check, routing, error bodies, header echo, saving.

Importing this module registers every route (the `api_*`, `auth` and `control` modules). The
request loop is the shared one of `seatline.simulators.base.dispatch`; `PartnerCenterApp` gives it
Partner Center's error bodies, bearer check and `MS-RequestId` / `MS-CorrelationId` echo.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Any

from seatline.simulators.base import dispatch as base_dispatch
from seatline.simulators.partner_center import (  # noqa: F401  (imported for their routes)
    api_billing,
    api_commerce,
    api_customers,
    api_graph,
    auth,
    control,
    jsonio,
)
from seatline.simulators.partner_center.errors import ApiError, bad_request
from seatline.simulators.partner_center.state import SimState
from seatline.simulators.partner_center.web import ROUTER, Request, Response


class PartnerCenterApp(base_dispatch.SimulatorApp):
    name = "partner center"
    router = ROUTER
    request_class = Request

    def bad_request(self, message: str) -> ApiError:
        return bad_request(message)

    def not_found(self, request: Request) -> ApiError:
        return ApiError(404, 1000, f"Resource {request.path} not found.", "NotFound")

    def method_not_allowed(self, request: Request) -> ApiError:
        return ApiError(
            405, 405, f"Method {request.method} isn't allowed on {request.path}.", "MethodNotAllowed"
        )

    def internal_error(self) -> ApiError:
        return ApiError(500, 800003, "Unexpected service error.", "InternalServerError", retryable=True)

    def fault_error(self, fault: dict[str, Any]) -> ApiError:
        status = fault["status"]
        headers: dict[str, str] = {}
        if fault.get("retryAfter") is not None:
            headers["Retry-After"] = str(math.ceil(fault["retryAfter"]))
        if status == 429:
            return ApiError(
                429,
                429,
                "Too many requests. Retry after the interval in Retry-After.",
                "TooManyRequests",
                retryable=True,
                headers=headers,
            )
        return ApiError(
            status,
            status,
            f"Injected fault: HTTP {status}.",
            "SimulatedFault",
            retryable=status >= 500,
            headers=headers,
        )

    def authenticate(self, request: Request) -> None:
        if request.path.lower().startswith(("/v1/", "/v1.0/")):
            auth.check_bearer(request)

    def accepted(self, request: Request, response: Response) -> Response:
        location = request.path.removeprefix("/v1")
        return Response(202, None, {"Location": location})

    def finish(self, request: Request, response: Response) -> Response:
        echo = {
            "MS-RequestId": request.header("MS-RequestId") or str(uuid.uuid4()),
            "MS-CorrelationId": request.header("MS-CorrelationId") or str(uuid.uuid4()),
        }
        response.headers = {**echo, **response.headers}
        if request.path.lower().startswith("/v1/") and response.body is not None and response.raw is None:
            # The answer-shape switches (config `bom`, `pascal_case`): API answers only.
            config = request.state.config
            response.raw = jsonio.encode_api_body(
                response.body, bom=config["bom"], pascal_case=config["pascal_case"]
            )
        return response


APP = PartnerCenterApp()


def dispatch(
    state: SimState,
    method: str,
    raw_path: str,
    query: dict[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> Response:
    """Handle one request; the caller holds no lock (this takes `state.lock`)."""
    return base_dispatch.dispatch(APP, state, method, raw_path, query, headers, body)
