# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stored answers per idempotency key (each vendor decides what a repeated key means).

An entry remembers a fingerprint of the first request (method, path and canonical body), the
answer it got, and the resource it created, so a vendor can replay the answer (Stripe), report a
conflict naming the resource (GoCardless) or refuse a reuse with other parameters.
"""

from __future__ import annotations

import hashlib
from typing import Any

from seatline.simulators.base import jsonio
from seatline.simulators.base.web import Request, Response


def fingerprint(request: Request, params: Any) -> str:
    canonical = jsonio.dumps({"method": request.method, "path": request.path.lower(), "params": params})
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lookup(state: Any, key: str) -> dict[str, Any] | None:
    entry: dict[str, Any] | None = state.data.setdefault("idempotency", {}).get(key)
    return entry


def remember(state: Any, key: str, print_: str, response: Response, resource_id: str | None = None) -> None:
    state.data.setdefault("idempotency", {})[key] = {
        "fingerprint": print_,
        "status": response.status,
        "body": response.body,
        "resourceId": resource_id,
        "at": state.data["now"],
    }
