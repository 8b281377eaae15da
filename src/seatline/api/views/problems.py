# SPDX-License-Identifier: AGPL-3.0-or-later
"""The problem types the `type` of an error points at (`/api/problems/<code>`)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from seatline.api.problems import PROBLEM_TYPES, TYPE_BASE, page_not_found


@require_GET
def problem_types_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "problem_types": [
                {"type": f"{TYPE_BASE}{code}", "code": code, "status": kind.status, "title": kind.title}
                for code, kind in sorted(PROBLEM_TYPES.items())
            ],
            "other_codes": "a service refusal not listed here is a 422 whose code names it (invalid_<field>, ...)",
        }
    )


@require_GET
def problem_type_view(request: HttpRequest, code: str) -> JsonResponse:
    kind = PROBLEM_TYPES.get(code)
    if kind is None:
        return page_not_found(request)  # type: ignore[return-value]
    return JsonResponse(
        {"type": f"{TYPE_BASE}{code}", "code": code, "status": kind.status, "title": kind.title}
    )
