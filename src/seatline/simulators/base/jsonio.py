# SPDX-License-Identifier: AGPL-3.0-or-later
"""JSON with exact money: Decimal values are written as JSON numbers with their exact decimal text.

`dumps(Decimal("9.408"))` gives `9.408`, never a binary-float approximation; read such documents
with `json.loads(text, parse_float=Decimal)` (or `loads` below) to keep them exact.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from seatline.simulators.base.clock import plain

_MARK = "\x1fdec:"
_MARKED = re.compile(r'"\\u001fdec:(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + plain(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = None) -> str:
    text = json.dumps(value, default=_default, indent=indent, ensure_ascii=True)
    return _MARKED.sub(r"\1", text)


UTF8_BOM = b"\xef\xbb\xbf"


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)
