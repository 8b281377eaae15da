# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request/response types and the route table (filled by the `api_*` modules' `@route`)."""

from __future__ import annotations

from typing import Any

from seatline.simulators.base.web import Handler, Request, Response, Route, Router

__all__ = ["ROUTER", "ROUTES", "Handler", "Request", "Response", "Route", "collection", "match", "route"]

ROUTER = Router()
ROUTES: list[Route] = ROUTER.routes
route = ROUTER.route
match = ROUTER.match


def collection(items: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "totalCount": len(items),
        "items": items,
        "links": {},
        "attributes": {"objectType": "Collection"},
        **extra,
    }
