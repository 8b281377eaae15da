# SPDX-License-Identifier: AGPL-3.0-or-later
"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + body` with the endpoint's secret,
sent as `Seatline-Signature: t=<unix seconds>,v1=<hex digest>`.

A receiver recomputes the digest over the raw body it received, compares in constant time and
refuses timestamps too far from its clock (replayed captures). This module is what Seatline
uses and what its tests verify deliveries with; docs/api.md has the same check for receivers.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Seatline-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance`."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
