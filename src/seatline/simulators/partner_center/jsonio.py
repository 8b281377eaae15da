# SPDX-License-Identifier: AGPL-3.0-or-later
"""JSON with exact money: Decimal values are written as JSON numbers with their exact decimal text.

`dumps(Decimal("9.408"))` gives `9.408`, never a binary-float approximation; read such documents
with `json.loads(text, parse_float=Decimal)` (or `loads` below) to keep them exact.

`encode_api_body()` writes an API answer the way the `bom` / `pascal_case` switches ask: with a
UTF-8 byte-order mark in front, and/or every key in PascalCase (`Id`, `Quantity`,
`Attributes.Etag`), as Microsoft's documented answers do. `camel_keys()` reads request bodies
written either way (Partner Center accepts both; its own request examples use PascalCase).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from seatline.simulators.partner_center.clock import plain

_MARK = "\x1fdec:"
_MARKED = re.compile(r'"\\u001fdec:(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + plain(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = None) -> str:
    text = json.dumps(value, default=_default, indent=indent, ensure_ascii=True)
    return _MARKED.sub(r"\1", text)


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


UTF8_BOM = b"\xef\xbb\xbf"


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
