# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request/response types and a route table per simulator (filled with `@router.route`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from seatline.simulators.base import jsonio
from seatline.simulators.base.errors import InvalidBody


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]  # keys lower-cased, first value wins
    headers: Mapping[str, str]  # case-insensitive (http.server's message object)
    body: bytes
    state: Any  # the simulator's state object (a `base.state.BaseState` subclass)
    raw_query: str = ""  # the query string as sent (Stripe's `expand[]=...` repeats keys)

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if value else None

    def param(self, name: str) -> str | None:
        value = self.query.get(name.lower())
        return value if value else None

    def json(self) -> Any:
        if not self.body.strip():
            raise InvalidBody("A JSON request body is required.")
        try:
            return jsonio.loads(self.body.removeprefix(jsonio.UTF8_BOM))
        except ValueError as exc:
            raise InvalidBody(f"The request body isn't valid JSON: {exc}.") from exc


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-ready value; None = empty body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # pre-encoded body (form replies, statements, XML, HTML)
    content_type: str = "application/json; charset=utf-8"
    # Work to run after the state lock is released (e.g. posting webhooks); returns the final answer.
    after: Callable[[], Response] | None = None


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    mutating: bool


class Router:
    """One simulator's routes; `route` registers, `match` finds the most specific one."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self, method: str, template: str, *, mutating: bool | None = None
    ) -> Callable[[Handler], Handler]:
        """Register `handler(request, **segments)` for `template` (`{name}` = one path segment)."""
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/")) + "/?$"
        is_mutating = method not in ("GET", "HEAD") if mutating is None else mutating

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, re.compile(regex, re.IGNORECASE), handler, is_mutating))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The most specific route for `path` (fewest placeholders); the flag says the path exists at all."""
        found: list[tuple[int, Route, dict[str, str]]] = []
        path_known = False
        for candidate in self.routes:
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
