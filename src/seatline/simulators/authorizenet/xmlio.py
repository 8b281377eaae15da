# SPDX-License-Identifier: AGPL-3.0-or-later
"""Authorize.Net XML: parse a request, build a response in the XSD's element order.

Responses start with a UTF-8 byte-order mark, like the real gateway's (the Python SDK strips the
first three characters it decodes before parsing).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

NAMESPACE = "AnetApi/xml/v1/schema/AnetApiSchema.xsd"
BOM = "\ufeff".encode()


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def to_dict(element: ET.Element) -> Any:
    """An element as nested dicts (text for leaves; repeated children become lists)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        key, value = local(child.tag), to_dict(child)
        if key in result:
            existing = result[key]
            result[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[key] = value
    return result


def parse(body: bytes) -> tuple[str, dict[str, Any]]:
    text = body.decode("utf-8-sig").strip()
    root = ET.fromstring(text)
    return local(root.tag), to_dict(root) if len(root) else {}


Node = tuple[str, Any]  # (tag, text | list of nodes | None = omitted)


def _build(parent: ET.Element, nodes: list[Node]) -> None:
    for tag, value in nodes:
        if value is None:
            continue
        child = ET.SubElement(parent, tag)
        if isinstance(value, list):
            _build(child, value)
        else:
            child.text = str(value)


def render(root_tag: str, nodes: list[Node]) -> bytes:
    root = ET.Element(
        root_tag,
        {
            "xmlns": NAMESPACE,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xmlns:xsd": "http://www.w3.org/2001/XMLSchema",
        },
    )
    _build(root, nodes)
    return (
        BOM
        + b'<?xml version="1.0" encoding="utf-8"?>'
        + ET.tostring(root, encoding="unicode").encode("utf-8")
    )


def messages(ok: bool, code: str, text: str) -> Node:
    return (
        "messages",
        [("resultCode", "Ok" if ok else "Error"), ("message", [("code", code), ("text", text)])],
    )
