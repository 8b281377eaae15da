# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request/response types and the route table (filled by the `api_*` modules' `@route`)."""

from __future__ import annotations

from typing import Any

from seatline.simulators.base import web
from seatline.simulators.base.web import Handler, Response, Route, Router
from seatline.simulators.partner_center import jsonio

__all__ = ["ROUTER", "ROUTES", "Handler", "Request", "Response", "Route", "collection", "match", "route"]


class Request(web.Request):
    def json(self) -> Any:
        body = super().json()
        # The API reads PascalCase bodies as camelCase ones (Partner Center is case-insensitive).
        return jsonio.camel_keys(body) if self.path.lower().startswith("/v1/") else body


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
