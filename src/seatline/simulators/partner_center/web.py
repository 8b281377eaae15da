# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request/response types and the route table (filled by the `api_*` modules' `@route`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from seatline.simulators.partner_center import jsonio
from seatline.simulators.partner_center.errors import bad_request
from seatline.simulators.partner_center.state import SimState


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]  # keys lower-cased, first value wins
    headers: Mapping[str, str]  # case-insensitive (http.server's message object)
    body: bytes
    state: SimState

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if value else None

    def param(self, name: str) -> str | None:
        value = self.query.get(name.lower())
        return value if value else None

    def json(self) -> Any:
        if not self.body.strip():
            raise bad_request("A JSON request body is required.")
        try:
            body = jsonio.loads(self.body.removeprefix(jsonio.UTF8_BOM))
        except ValueError as exc:
            raise bad_request(f"The request body isn't valid JSON: {exc}.") from exc
        # The API reads PascalCase bodies as camelCase ones (Partner Center is case-insensitive).
        return jsonio.camel_keys(body) if self.path.lower().startswith("/v1/") else body


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-ready value; None = empty body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # pre-encoded body (form replies, statements)
    content_type: str = "application/json; charset=utf-8"


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    mutating: bool


ROUTES: list[Route] = []


def route(method: str, template: str, *, mutating: bool | None = None) -> Callable[[Handler], Handler]:
    """Register `handler(request, **segments)` for `template` (`{name}` = one path segment)."""
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/")) + "/?$"
    is_mutating = method not in ("GET", "HEAD") if mutating is None else mutating

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, re.compile(regex, re.IGNORECASE), handler, is_mutating))
        return handler

    return register


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The most specific route for `path` (fewest placeholders); the flag says the path exists at all."""
    found: list[tuple[int, Route, dict[str, str]]] = []
    path_known = False
    for candidate in ROUTES:
        hit = candidate.pattern.match(path)
        if hit is None:
            continue
        path_known = True
        if candidate.method == method:
            found.append((candidate.pattern.groups, candidate, hit.groupdict()))
    if not found:
        return None, {}, path_known
    _, best, params = min(found, key=lambda item: item[0])
    return best, params, True


def collection(items: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "totalCount": len(items),
        "items": items,
        "links": {},
        "attributes": {"objectType": "Collection"},
        **extra,
    }
