# SPDX-License-Identifier: AGPL-3.0-or-later
"""Parsing Partner Center JSON into typed values (Decimal, dates, aware datetimes).

Decode like a tolerant client, fail like a careful one:

* `decode_body()` strips a UTF-8 byte-order mark (Partner Center sends BOM-prefixed JSON on
  several endpoints; the documentation shows it as a `?` before the `{`) and never turns an
  unreadable body into an empty object: `loads_body()` raises `ProviderBadResponseError`.
* `Fields` is the one key lookup of the connector: a read-only view of a JSON object whose keys
  are matched exactly first, then ignoring case, so the documented PascalCase answers (`Id`,
  `Quantity`, `Attributes.Etag`) read like the camelCase ones. `set_field()` writes back under
  the key the object already uses.
* A date that cannot be read is recorded in `Fields.problems` ("creationDate: unreadable date
  '2015-11-25T06: 41: 12Z'") and read as None: one bad date in a list is reported on that item
  and never fails the whole list. A number that cannot be read raises `ProviderBadResponseError`
  (an amount is never guessed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil import parser as date_parser

from seatline.connectors.errors import ProviderBadResponseError

JsonObject = dict[str, Any]
UTF8_BOM = b"\xef\xbb\xbf"
EXCERPT_BYTES = 120


def loads(text: str) -> Any:
    """JSON with every non-integer number as Decimal (never float); a leading BOM is ignored."""
    return json.loads(text.lstrip("\ufeff"), parse_float=Decimal)


def dumps(value: Any) -> str:
    """JSON text for a body that may hold Decimals read earlier; they are written exactly."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} as JSON")
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, float):
        raise TypeError("floats are not sent to providers; use Decimal")
    return json.dumps(value)


def excerpt(content: bytes | str, limit: int = EXCERPT_BYTES) -> str:
    """The first bytes of a body, escaped so a BOM or control characters stay visible."""
    raw = content.encode("utf-8", "backslashreplace") if isinstance(content, str) else content
    text = repr(raw[:limit])[2:-1]  # b'...' without the quotes: \xef\xbb\xbf stays readable
    return text + ("..." if len(raw) > limit else "")


def decode_body(content: bytes, charset: str | None = None) -> str:
    """Body text without a UTF-8 byte-order mark; ValueError if it is not text in its charset."""
    if content.startswith(UTF8_BOM):
        content = content[len(UTF8_BOM) :]
    try:
        text = content.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise ValueError(f"the body is not {charset or 'utf-8'} text: {exc}") from exc
    return text.lstrip("\ufeff")


def loads_body(
    content: bytes, *, charset: str | None = None, source: str = "", request_id: str | None = None
) -> Any:
    """Parsed JSON of a response body, None for an empty one; `ProviderBadResponseError` otherwise."""
    try:
        text = decode_body(content, charset)
        return loads(text) if text.strip() else None
    except ValueError as exc:
        raise bad_response(
            f"is not readable JSON ({exc})", source=source, content=content, request_id=request_id
        ) from exc


def bad_response(
    reason: str, *, source: str = "", content: bytes | str = b"", request_id: str | None = None
) -> ProviderBadResponseError:
    """The error for an answer that cannot be trusted: the call, its request id, the first bytes."""
    where = f"the answer to {source}" if source else "Partner Center's answer"
    shown = excerpt(content) if content else ""
    body = f"; the body starts '{shown}'" if shown else "; the body is empty"
    return ProviderBadResponseError(f"{where} {reason}{body}", body_excerpt=shown, request_id=request_id)


# -- values ----------------------------------------------------------------------------------


def decimal_value(value: object, default: Decimal | None = Decimal(0)) -> Decimal | None:
    """A number that may arrive as a JSON number or a string ("16", 14.4, "-94.08")."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # only if a caller parsed without parse_float
        return Decimal(repr(value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return number


def required_decimal(value: object) -> Decimal:
    result = decimal_value(value)
    assert result is not None
    return result


def int_value(value: object, default: int = 0) -> int:
    if value is None or value == "":
        return default
    number = decimal_value(value)
    assert number is not None
    if number != number.to_integral_value():
        raise ValueError(f"not an integer: {value!r}")
    return int(number)


def datetime_value(value: object) -> dt.datetime | None:
    """An aware UTC datetime from ISO 8601 text; naive = UTC. ValueError when unreadable.

    Every documented form: "2021-01-24T20:39:17Z", "2021-01-24T20:39:17.18Z", seven fractional
    digits as .NET writes them ("2021-01-14T16:57:15.0966728Z", kept to the microsecond), an
    offset ("2019-01-09T00:21:45.9263727+00:00", "-08:00") or none ("2017-05-12T00:00:00").
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    try:
        parsed = date_parser.isoparse(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not an ISO 8601 date: {value!r}") from exc


def date_value(value: object) -> dt.date | None:
    """The calendar date of an ISO date or datetime, as written (no time-zone shift)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    try:
        parsed = date_parser.isoparse(text)  # the whole text must be valid, not only its date
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not an ISO 8601 date: {value!r}") from exc
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return dt.date.fromisoformat(text[:10])
    return parsed.date()


def iso_instant(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("pass an aware datetime")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(value: object) -> str:
    return "" if value is None else str(value)


def obj(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


# -- the key lookup ---------------------------------------------------------------------------


def find_key(data: Mapping[str, Any], name: str) -> str | None:
    """The key of `data` that means `name`: the exact key, else the one equal ignoring case."""
    if name in data:
        return name
    wanted = name.casefold()
    return next((key for key in data if isinstance(key, str) and key.casefold() == wanted), None)


def set_field(data: JsonObject, name: str, value: Any) -> None:
    """Write `name` under the key `data` already uses for it (`Quantity` stays `Quantity`)."""
    data[find_key(data, name) or name] = value


class Fields:
    """A read-only, case-insensitive view of one JSON object, with its reading problems.

    `where` is the path of the object inside its answer ("items[3].refundableQuantity"), used in
    problem texts; child views share the parent's `problems` list. `source` describes the call
    ("GET /v1/... (MS-RequestId ...)") for `ProviderBadResponseError`s.
    """

    def __init__(
        self,
        data: object,
        *,
        where: str = "",
        source: str = "",
        request_id: str | None = None,
        content: bytes | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.data: JsonObject = data if isinstance(data, dict) else {}
        self.content = content  # the raw body, for the excerpt of an error
        self.is_object = isinstance(data, dict)
        self.where = where
        self.source = source
        self.request_id = request_id
        self.problems: list[str] = problems if problems is not None else []
        self._folded: dict[str, str] | None = None

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        return f"Fields({self.where or '<root>'}: {sorted(self.data)})"

    # keys
    def key(self, name: str) -> str | None:
        if name in self.data:
            return name
        if self._folded is None:
            self._folded = {}
            for key in self.data:
                if isinstance(key, str):
                    self._folded.setdefault(key.casefold(), key)
        return self._folded.get(name.casefold())

    def has(self, name: str) -> bool:
        return self.key(name) is not None

    def value(self, name: str, default: Any = None) -> Any:
        key = self.key(name)
        return default if key is None else self.data[key]

    def path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    # typed values
    def text(self, name: str) -> str:
        value = self.value(name)
        return "" if value is None else str(value)

    def flag(self, name: str) -> bool:
        value = self.value(name)
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return value is True

    def number(self, name: str, default: Decimal | None = Decimal(0)) -> Decimal | None:
        try:
            return decimal_value(self.value(name), default)
        except ValueError as exc:
            raise self.bad(f"has an unreadable number in {self.path(name)} ({exc})") from exc

    def amount(self, name: str) -> Decimal:
        result = self.number(name)
        assert result is not None
        return result

    def integer(self, name: str, default: int = 0) -> int:
        try:
            return int_value(self.value(name), default)
        except ValueError as exc:
            raise self.bad(f"has an unreadable integer in {self.path(name)} ({exc})") from exc

    def instant(self, name: str) -> dt.datetime | None:
        """An aware UTC datetime; an unreadable value is a problem of this object and None."""
        raw = self.value(name)
        try:
            return datetime_value(raw)
        except ValueError:
            self.problems.append(f"{self.path(name)}: unreadable date {raw!r}")
            return None

    def day(self, name: str) -> dt.date | None:
        raw = self.value(name)
        try:
            return date_value(raw)
        except ValueError:
            self.problems.append(f"{self.path(name)}: unreadable date {raw!r}")
            return None

    # nested values
    def child(self, name: str) -> Fields:
        return Fields(
            self.value(name),
            where=self.path(name),
            source=self.source,
            request_id=self.request_id,
            content=self.content,
            problems=self.problems,
        )

    def children(self, name: str) -> Iterator[Fields]:
        """The objects of a list value (anything else in the list is skipped)."""
        values = self.value(name)
        if not isinstance(values, list):
            return
        for index, item in enumerate(values):
            if isinstance(item, dict):
                yield Fields(
                    item,
                    where=f"{self.path(name)}[{index}]",
                    source=self.source,
                    request_id=self.request_id,
                    content=self.content,
                    problems=self.problems,
                )

    def strings(self, name: str) -> tuple[str, ...]:
        values = self.value(name)
        return tuple(str(item) for item in values) if isinstance(values, list) else ()

    # refusing the answer
    def bad(self, reason: str) -> ProviderBadResponseError:
        content = self.content if self.content is not None else dumps_excerpt(self.data)
        return bad_response(reason, source=self.source, content=content, request_id=self.request_id)

    def require_text(self, name: str, *, equal_to: str | None = None) -> str:
        """A non-empty identity field (e.g. `id`); `ProviderBadResponseError` when absent or different."""
        if not self.is_object:
            raise self.bad("is not a JSON object")
        found = self.text(name).strip()
        if not found:
            raise self.bad(f"lacks {self.path(name)}")
        if equal_to is not None and found.lower() != equal_to.lower():
            raise self.bad(f"is about {self.path(name)} {found!r}, not the {equal_to!r} asked for")
        return found


def dumps_excerpt(data: object) -> str:
    try:
        return dumps(data)[: EXCERPT_BYTES * 2]
    except (TypeError, ValueError):
        return repr(data)[: EXCERPT_BYTES * 2]
