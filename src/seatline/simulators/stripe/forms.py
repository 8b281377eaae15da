# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys.

`metadata[invoice]=INV-1&expand[0]=latest_charge&line_items[0][quantity]=1` decodes to
`{"metadata": {"invoice": "INV-1"}, "expand": ["latest_charge"], "line_items": [{"quantity": "1"}]}`.
Values stay strings (Stripe coerces per parameter); `expand[]=x` repeated keys make lists too.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from seatline.simulators.base.errors import InvalidBody

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _insert(root: dict[str, Any], parts: list[str], value: str) -> None:
    node: Any = root
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        child_default: Any = [] if following is not None and (following == "" or following.isdigit()) else {}
        if isinstance(node, list):
            if part == "":
                if last:
                    node.append(value)
                    return
                node.append(child_default)
                node = node[-1]
                continue
            position = int(part)
            while len(node) <= position:
                node.append(None)
            if last:
                node[position] = value
                return
            if node[position] is None:
                node[position] = child_default
            node = node[position]
        else:
            if last:
                node[part] = value
                return
            if part not in node:
                node[part] = child_default
            node = node[part]


def decode(text: str) -> dict[str, Any]:
    """Decode a form body or query string into nested dicts and lists."""
    result: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(key)
        if match is None:
            raise InvalidBody(f"Invalid parameter name {key!r}.")
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        _insert(result, parts, value)
    return result


def flag(value: Any) -> bool:
    return str(value).lower() == "true"
