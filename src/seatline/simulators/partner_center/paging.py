# SPDX-License-Identifier: AGPL-3.0-or-later
"""Continuation paging as Partner Center does it.

The first page is `GET ...?size=N`; a response with more data carries `continuationToken` and
`links.next = {uri, method, headers: [{key: "MS-ContinuationToken", value}]}`; the next page is the
same resource with `seekOperation=Next` and the token in the `MS-ContinuationToken` header. Tokens
are opaque, stateless (base64 of the listing key, offset and size), so they survive a restart.
`totalCount` is the number of items on the page, as in the real API.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from seatline.simulators.partner_center.errors import bad_request
from seatline.simulators.partner_center.web import Request

MAX_SIZE = 2000


def _encode(key: str, offset: int, size: int) -> str:
    raw = json.dumps({"k": key, "o": offset, "s": size}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, key: str) -> tuple[int, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, size = int(data["o"]), int(data["s"])
        same = data["k"] == key
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request("The MS-ContinuationToken header isn't a valid continuation token.") from exc
    if not same:
        raise bad_request("The continuation token belongs to another collection.")
    return offset, size


def _size(request: Request) -> int | None:
    text = request.param("size")
    if text is None:
        return None
    try:
        size = int(text)
    except ValueError as exc:
        raise bad_request("size must be an integer.") from exc
    if not 1 <= size <= MAX_SIZE:
        raise bad_request(f"size must be between 1 and {MAX_SIZE}.")
    return size


def page(request: Request, items: list[Any], *, key: str, next_uri: str) -> dict[str, Any]:
    """One page of `items`; `next_uri` is the resource path relative to /v1 (without query)."""
    size = _size(request)
    if (request.param("seekOperation") or "").lower() == "next":
        token = request.header("MS-ContinuationToken")
        if not token:
            raise bad_request("seekOperation=Next needs the MS-ContinuationToken header.")
        offset, token_size = _decode(token, key)
        size = size or token_size
    else:
        try:
            offset = int(request.param("offset") or 0)
        except ValueError as exc:
            raise bad_request("offset must be an integer.") from exc
        size = size or int(request.state.config["page_size"])
    chunk = items[offset : offset + size]
    body: dict[str, Any] = {
        "totalCount": len(chunk),
        "items": chunk,
        "links": {},
        "attributes": {"objectType": "Collection"},
    }
    if offset + size < len(items):
        token = _encode(key, offset + size, size)
        separator = "&" if "?" in next_uri else "?"
        body["continuationToken"] = token
        body["links"]["next"] = {
            "uri": f"{next_uri}{separator}size={size}&seekOperation=Next",
            "method": "GET",
            "headers": [{"key": "MS-ContinuationToken", "value": token}],
        }
    return body
