# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every API error as an RFC 9457 problem (`application/problem+json`)::

    {"type": "/api/problems/qrb_violation", "title": "Quantity reduction not allowed", "status": 409,
     "detail": "the quantity reduction behaviour of ... is disallowed: no reduction on 2026-02-10",
     "code": "qrb_violation", "field": "quantity"}

`code` is Seatline's stable snake_case code (the services' refusal codes, or the API's own:
`invalid_input`, `not_authenticated`, `not_found`, ...), `field` the input it concerns (or null).
Input validation errors list each problem under `errors` ([{field, code, detail}]).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response

from seatline.errors import SeatlineError

logger = logging.getLogger("seatline.api")

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/problems/"


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: str


#: Known codes: their HTTP status and title. A service code not listed is a 422 titled after it.
PROBLEM_TYPES: dict[str, ProblemType] = {
    # the API's own
    "invalid_input": ProblemType(400, "Invalid input"),
    "malformed_request": ProblemType(400, "Malformed request"),
    "not_authenticated": ProblemType(401, "Authentication required"),
    "invalid_token": ProblemType(401, "Invalid API token"),
    "token_revoked": ProblemType(401, "API token revoked"),
    "token_expired": ProblemType(401, "API token expired"),
    "user_inactive": ProblemType(401, "User inactive"),
    "authentication_failed": ProblemType(401, "Authentication failed"),
    "role_forbidden": ProblemType(403, "Not allowed for your role"),
    "token_read_only": ProblemType(403, "Read-only API token"),
    "permission_denied": ProblemType(403, "Permission denied"),
    "not_found": ProblemType(404, "Not found"),
    "method_not_allowed": ProblemType(405, "Method not allowed"),
    "not_acceptable": ProblemType(406, "Not acceptable"),
    "unsupported_media_type": ProblemType(415, "Unsupported media type"),
    "throttled": ProblemType(429, "Too many requests"),
    "server_error": ProblemType(500, "Server error"),
    "idempotency_key_reused": ProblemType(422, "Idempotency key reused with another request"),
    "idempotency_key_in_use": ProblemType(409, "Idempotency key in use by a request in progress"),
    "invalid_idempotency_key": ProblemType(400, "Invalid idempotency key"),
    "pdf_unavailable": ProblemType(404, "PDF documents not available"),
    "pdf_not_ready": ProblemType(409, "PDF not rendered yet"),
    # refusals of the services that concern the state of things: 409 Conflict
    "qrb_violation": ProblemType(409, "Quantity reduction not allowed"),
    "provider_window_passed": ProblemType(409, "Provider's reduction window passed"),
    "credit_hold": ProblemType(409, "Account on credit hold"),
    "subscription_inactive": ProblemType(409, "Subscription suspended"),
    "subscription_active": ProblemType(409, "Subscription already active"),
    "invoice_not_draft": ProblemType(409, "Invoice already issued"),
    "invoice_not_issued": ProblemType(409, "Invoice not issued"),
    "invoice_not_payable": ProblemType(409, "Invoice cannot be paid"),
    "invoice_void": ProblemType(409, "Invoice already credited"),
    "invalid_invoice": ProblemType(409, "Invoice cannot be credited"),
    "invoice_immutable": ProblemType(409, "Issued invoice cannot change"),
    "cycle_already_invoiced": ProblemType(409, "Cycle already invoiced"),
    "contract_terms_locked": ProblemType(409, "Contract terms locked"),
    "invalid_job_transition": ProblemType(409, "Job cannot make this transition"),
    "duplicate_job": ProblemType(409, "Duplicate job"),
    # refusals of the input's values: 422
    "invalid_quantity": ProblemType(422, "Invalid quantity"),
    "invalid_price": ProblemType(422, "Invalid price"),
    "invalid_date": ProblemType(422, "Invalid date"),
    "payment_exceeds_balance": ProblemType(422, "Payment exceeds the open balance"),
    "invalid_amount": ProblemType(422, "Invalid amount"),
    "unknown_reference": ProblemType(422, "Unknown reference"),
    "invalid_contract": ProblemType(422, "Invalid contract"),
    "invalid_field": ProblemType(422, "Field cannot change"),
}

DRF_CODES: Mapping[type[exceptions.APIException], str] = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def problem_type(code: str) -> ProblemType:
    return PROBLEM_TYPES.get(code) or ProblemType(422, code.replace("_", " ").capitalize())


def problem_body(
    code: str,
    detail: str,
    *,
    status_code: int | None = None,
    field: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    known = problem_type(code)
    body: dict[str, Any] = {
        "type": f"{TYPE_BASE}{code}",
        "title": title or known.title,
        "status": status_code or known.status,
        "detail": detail,
        "code": code,
        "field": field,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    return Response(body, status=body["status"], headers=dict(headers or {}), content_type=CONTENT_TYPE)


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list of {field, code, detail}."""
    if isinstance(detail, Mapping):
        out: list[dict[str, Any]] = []
        for name, value in detail.items():
            path = name if name not in ("non_field_errors",) else ""
            out.extend(flatten_errors(value, f"{prefix}.{path}" if prefix and path else (path or prefix)))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, Mapping | list):
                out.extend(flatten_errors(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
            else:
                out.extend(flatten_errors(value, prefix))
        return out
    return [
        {"field": prefix or None, "code": getattr(detail, "code", None) or "invalid", "detail": str(detail)}
    ]


def from_seatline_error(exc: SeatlineError) -> Response:
    return problem_response(problem_body(exc.code, exc.message, field=exc.field))


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every exception of an API view becomes a problem response."""
    from seatline.api.idempotency import IdempotentReplay
    from seatline.invoicing.models import ImmutableInvoiceError

    if isinstance(exc, IdempotentReplay):
        return exc.response
    if isinstance(exc, SeatlineError):
        return from_seatline_error(exc)
    if isinstance(exc, ImmutableInvoiceError):
        return problem_response(problem_body("invoice_immutable", "; ".join(exc.messages)))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = errors[0] if errors else {"field": None, "detail": "invalid input"}
        detail = f"{first['field']}: {first['detail']}" if first["field"] else str(first["detail"])
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return problem_response(
            problem_body("invalid_input", detail, status_code=400, field=first["field"], errors=errors)
        )
    if isinstance(exc, exceptions.APIException):
        headers: dict[str, str] = {}
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait is not None:
            headers["Retry-After"] = str(int(wait) + (0 if float(wait).is_integer() else 1))
        code = DRF_CODES.get(type(exc))
        if code is None:
            raw = exc.get_codes()
            code = raw if isinstance(raw, str) else exc.default_code
        status_code = exc.status_code
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and not auth_header:
            status_code = status.HTTP_403_FORBIDDEN  # DRF's rule when no scheme can be offered
        detail = exc.detail if isinstance(exc.detail, str) else "; ".join(str(d) for d in exc.detail)
        title = problem_type(code).title if code in PROBLEM_TYPES else None
        return problem_response(
            problem_body(code, str(detail), status_code=status_code, title=title), headers=headers
        )
    request = context.get("request")
    logger.exception(
        "API error on %s %s", getattr(request, "method", "?"), getattr(request, "path", "?"), exc_info=exc
    )
    return problem_response(
        problem_body("server_error", "an unexpected error occurred; it was logged", status_code=500)
    )


def _api_path(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_problem(body: dict[str, Any]) -> HttpResponse:
    return JsonResponse(body, status=body["status"], content_type=CONTENT_TYPE)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a problem under /api/, Django's page elsewhere."""
    if _api_path(request):
        return _json_problem(problem_body("not_found", f"nothing at {request.path}"))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api_path(request):
        return _json_problem(problem_body("server_error", "an unexpected error occurred; it was logged"))
    return defaults.server_error(request)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api_path(request):
        return _json_problem(problem_body("permission_denied", str(exception or "permission denied")))
    return defaults.permission_denied(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api_path(request):
        return _json_problem(problem_body("malformed_request", "bad request", status_code=400))
    return defaults.bad_request(request, exception)
