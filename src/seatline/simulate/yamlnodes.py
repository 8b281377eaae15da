# SPDX-License-Identifier: AGPL-3.0-or-later
"""Strict readers over a composed YAML node tree, each error naming the key path and the line.

The scenario file is composed (not constructed) with PyYAML's SafeLoader, so every value keeps
its mark (line) and its original scalar text: amounts are read from that text as `Decimal`,
never through float, by the same functions the services use (`seatline.common.parsing`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import yaml

from seatline.common.parsing import decimal_number, whole_number
from seatline.errors import SeatlineError

T = TypeVar("T")

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[-+]?\d+$")


class ScenarioError(ValueError):
    """A malformed scenario file: what is wrong, the offending key (dotted path) and its line."""

    def __init__(self, message: str, key: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.line = line

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.key or '(document)'}: {self.message}"


def line_of(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(f"not valid YAML: {exc.problem or exc}", "", line) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}", "", None) from exc


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Node:
    """A YAML node with its key path, for reading typed values with precise errors."""

    def __init__(self, node: yaml.Node, path: str) -> None:
        self.node = node
        self.path = path

    @property
    def line(self) -> int | None:
        return line_of(self.node)

    def error(self, message: str) -> ScenarioError:
        return ScenarioError(message, self.path, self.line)

    # -- structure -------------------------------------------------------------------------
    def mapping(self, allowed: set[str] | frozenset[str] | None = None) -> Mapping:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"expected a mapping, got {describe(self.node)}")
        return Mapping(self, allowed)

    def sequence(self) -> list[Node]:
        if isinstance(self.node, yaml.ScalarNode) and self.node.tag == NULL:
            return []
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"expected a list, got {describe(self.node)}")
        return [Node(item, _child(self.path, index)) for index, item in enumerate(self.node.value)]

    # -- scalars ---------------------------------------------------------------------------
    def _scalar(self) -> yaml.ScalarNode:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"expected a single value, got {describe(self.node)}")
        return self.node

    def text(self) -> str:
        node = self._scalar()
        if node.tag in (NULL, BOOL):
            raise self.error(f"expected text, got {describe(node)} (quote it)")
        value = node.value.strip()
        if not value:
            raise self.error("must not be empty")
        return value

    def enum(self, choices: tuple[str, ...], *, yaml11: dict[bool, str] | None = None) -> str:
        node = self._scalar()
        if node.tag == BOOL and yaml11 is not None:
            flag = yaml.SafeLoader.bool_values.get(node.value.lower())
            if flag in yaml11:
                return yaml11[flag]
        if node.tag != STR:
            raise self.error(f"expected one of {', '.join(choices)}, got {describe(node)}")
        if node.value not in choices:
            raise self.error(f"unknown value {node.value!r}, expected one of {', '.join(choices)}")
        return node.value

    def boolean(self) -> bool:
        node = self._scalar()
        if node.tag != BOOL:
            raise self.error(f"expected true or false, got {describe(node)}")
        return bool(yaml.SafeLoader.bool_values[node.value.lower()])

    def date(self) -> dt.date:
        node = self._scalar()
        if node.tag not in (TIMESTAMP, STR) or not _DATE.match(node.value.strip()):
            raise self.error(f"expected a date YYYY-MM-DD, got {describe(node)}")
        try:
            return dt.date.fromisoformat(node.value.strip())
        except ValueError as exc:
            raise self.error(f"not a valid date: {node.value!r} ({exc})") from exc

    def decimal(self) -> Decimal:
        """An amount: a number or a string, read from the scalar's original text (never float)."""
        node = self._scalar()
        if node.tag not in (INT, FLOAT, STR):
            raise self.error(f"expected an amount, got {describe(node)}")
        raw = node.value.strip()
        try:
            return decimal_number(raw.replace("_", "") if node.tag != STR else raw)
        except SeatlineError as exc:
            raise self.error(f"not a valid amount: {raw!r}") from exc

    def integer(self, *, minimum: int | None = None, maximum: int | None = None) -> int:
        node = self._scalar()
        if node.tag != INT or not _INTEGER.match(node.value.strip().replace("_", "")):
            raise self.error(f"expected a whole number, got {describe(node)}")
        return self.parsed(
            whole_number, node.value.strip().replace("_", ""), minimum=minimum, maximum=maximum
        )

    def parsed(self, parse: Callable[..., T], value: Any, **options: Any) -> T:
        """`value` read by a `seatline.common.parsing` function; its refusal names this key and line."""
        try:
            return parse(value, **options)
        except SeatlineError as exc:
            raise self.error(exc.message) from exc

    def identifier(self) -> str:
        """An id: text or a whole number, kept as written."""
        node = self._scalar()
        if node.tag not in (STR, INT):
            raise self.error(f"expected an id, got {describe(node)} (quote it)")
        value = node.value.strip()
        if not value:
            raise self.error("must not be empty")
        return value


class Mapping:
    """The keys of a mapping node; unknown and duplicate keys are errors."""

    def __init__(self, owner: Node, allowed: set[str] | frozenset[str] | None) -> None:
        self.owner = owner
        self.items: dict[str, Node] = {}
        for key_node, value_node in owner.node.value:
            key_path = owner.path or "(document)"
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (STR, INT):
                hint = (
                    " (bare on/off/yes/no are booleans in YAML 1.1: quote them)"
                    if key_node.tag == BOOL
                    else ""
                )
                raise ScenarioError(f"invalid key {describe(key_node)}{hint}", key_path, line_of(key_node))
            key = key_node.value
            path = _child(owner.path, key)
            if allowed is not None and key not in allowed:
                expected = ", ".join(sorted(allowed))
                raise ScenarioError(f"unknown key {key!r} (expected: {expected})", path, line_of(key_node))
            if key in self.items:
                raise ScenarioError(f"duplicate key {key!r}", path, line_of(key_node))
            self.items[key] = Node(value_node, path)

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def __iter__(self) -> Iterator[str]:
        return iter(self.items)

    def required(self, key: str) -> Node:
        if key not in self.items:
            path = _child(self.owner.path, key)
            raise ScenarioError(f"missing required key {key!r}", path, self.owner.line)
        return self.items[key]

    def get(self, key: str, read: Callable[[Node], T], default: Any = None) -> T | Any:
        node = self.items.get(key)
        if node is None or (isinstance(node.node, yaml.ScalarNode) and node.node.tag == NULL):
            return default
        return read(node)

    def need(self, key: str, read: Callable[[Node], T]) -> T:
        node = self.required(key)
        if isinstance(node.node, yaml.ScalarNode) and node.node.tag == NULL:
            raise node.error("must have a value")
        return read(node)


def describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kind = {
        STR: "text",
        INT: "a number",
        FLOAT: "a number",
        BOOL: "a boolean",
        NULL: "nothing",
        TIMESTAMP: "a date",
    }.get(node.tag, node.tag)
    return f"{kind} {node.value!r}" if node.tag != NULL else "nothing"
