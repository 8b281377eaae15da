# SPDX-License-Identifier: AGPL-3.0-or-later
"""Serving Microsoft's documented Partner Center answers (fixtures/partner_center) from loopback."""

from __future__ import annotations

import copy
import json
import pathlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from seatline.connectors.partner_center.connector import PartnerCenterConnector
from seatline.connectors.partner_center.parsing import dumps
from tests.connectors.local_server import LocalServer, Reply, Seen

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "partner_center"
BOM = b"\xef\xbb\xbf"
REQUEST_ID = "5b1f1e7c-0000-4d4c-9a31-d0c5ed000001"


def raw(name: str) -> bytes:
    """The documented body as stored (UTF-8, no BOM)."""
    return (FIXTURES / name).read_bytes()


def data(name: str) -> Any:
    """The documented body parsed (fractional numbers as Decimal), a fresh copy each time."""
    return copy.deepcopy(json.loads(raw(name), parse_float=Decimal))


def encode(value: Any) -> bytes:
    """JSON bytes of a (test-changed) documented body, Decimals written exactly."""
    return dumps(value).encode()


def answer(body: str | bytes | Any, status: int = 200, *, bom: bool = False, **headers: str) -> Reply:
    """A reply with a documented body (a fixture name), raw bytes, or a JSON value built from one."""
    if isinstance(body, str):
        payload = raw(body)
    elif isinstance(body, bytes):
        payload = body
    else:
        payload = encode(body)
    return Reply(status, (BOM if bom else b"") + payload, {"MS-RequestId": REQUEST_ID, **headers})


def in_collection(*items: Any) -> dict[str, Any]:
    """A single documented resource served as the collection a list endpoint answers (test-made wrap)."""
    return {"totalCount": len(items), "items": list(items), "attributes": {"objectType": "Collection"}}


def sequence(*replies: Reply) -> Callable[[Seen], Reply]:
    """A route answering `replies` one after the other (the last one again when exhausted)."""
    queue: Iterator[Reply] = iter(replies)
    last = [replies[-1]]

    def handler(_: Seen) -> Reply:
        last[0] = next(queue, last[0])
        return last[0]

    return handler


def connector(server: LocalServer, sleeps: list[float] | None = None, **extra: Any) -> PartnerCenterConnector:
    config: dict[str, Any] = {
        "base_url": server.url,
        "auth": "static",
        "access_token": "documented",
        "max_attempts": 1,
        "patch_poll_interval": 1,
        "patch_max_wait": 3,
        "order_poll_interval": 1,
        "order_max_wait": 0,
    }
    config.update(extra)
    return PartnerCenterConnector.from_config(config, sleep=(sleeps if sleeps is not None else []).append)


def sent_json(seen: Seen) -> Any:
    return json.loads(seen.body, parse_float=Decimal)
