# SPDX-License-Identifier: AGPL-3.0-or-later
"""Injected failures: the next `count` requests matching `METHOD /path/with/*` answer `status`."""

from __future__ import annotations

import re
from typing import Any


def fault_pattern(route_text: str) -> tuple[str, re.Pattern[str]]:
    method, _, path = route_text.strip().partition(" ")
    if not path:
        method, path = "*", method
    parts = [re.escape(part) if part != "*" else "[^/]+" for part in path.strip().split("/")]
    return method.upper(), re.compile("^" + "/".join(parts) + "/?$", re.IGNORECASE)


def take_fault(faults: list[dict[str, Any]], method: str, path: str) -> dict[str, Any] | None:
    """The first fault matching the request, its count used up by one (removed at zero)."""
    for fault in faults:
        fault_method, pattern = fault_pattern(fault["route"])
        if fault_method in ("*", method) and pattern.match(path):
            fault["remaining"] -= 1
            if fault["remaining"] <= 0:
                faults.remove(fault)
            return dict(fault)
    return None
