# SPDX-License-Identifier: AGPL-3.0-or-later
"""JSON with exact money (shared with the other simulators in `simulators.base.jsonio`), and the
Partner Center answer shapes.

`encode_api_body()` writes an API answer the way the `bom` / `pascal_case` switches ask: with a
UTF-8 byte-order mark in front, and/or every key in PascalCase (`Id`, `Quantity`,
`Attributes.Etag`), as Microsoft's documented answers do. `camel_keys()` reads request bodies
written either way (Partner Center accepts both; its own request examples use PascalCase).
"""

from __future__ import annotations

from typing import Any

from seatline.simulators.base.jsonio import UTF8_BOM, dumps, loads

__all__ = ["UTF8_BOM", "camel_keys", "dumps", "encode_api_body", "loads", "pascal_keys"]


def _recase(value: Any, first: Any) -> Any:
    if isinstance(value, dict):
        return {
            (first(k[:1]) + k[1:] if isinstance(k, str) else k): _recase(v, first) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_recase(item, first) for item in value]
    return value


def pascal_keys(value: Any) -> Any:
    """Every object key with an upper-case first letter, recursively (`etag` -> `Etag`)."""
    return _recase(value, str.upper)


def camel_keys(value: Any) -> Any:
    """Every object key with a lower-case first letter, recursively (`OfferId` -> `offerId`)."""
    return _recase(value, str.lower)


def encode_api_body(value: Any, *, bom: bool = False, pascal_case: bool = False) -> bytes:
    payload = dumps(pascal_keys(value) if pascal_case else value).encode("utf-8")
    return UTF8_BOM + payload if bom else payload
