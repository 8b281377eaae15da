# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading provider lines: files (CSV, XLSX) through a mapping template, and API records.

Files are streamed: CSV through the csv module on a text stream, XLSX through openpyxl's
read-only mode; one row is in memory at a time. `FileRows` yields `(row number, cells)` with the
spreadsheet's numbering (header = row 1); `TemplateReader` turns a row into a `LineData` or the
list of its problems (row, column, problem). An amount is a Decimal exactly as written (no
thousands separators, no currency signs); XLSX numbers arrive as floats and are read through
their shortest repr (`0.1` stays `0.1`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from seatline.provider_invoices.models import LineKind
from seatline.provider_invoices.templates import AMOUNT_FIELDS, DATE_FIELDS

Problem = tuple[int, str, str]  # (row, column, problem)

CREDIT_TYPES = {"customercredit", "credit", "refund", "cancel", "cancelimmediate"}
ONE_TIME_TYPES = {"onetime", "one-time", "onetimepurchase", "purchase", "servicecharge", "service-charge"}
USAGE_TYPES = {"usage", "consumption"}
# Pax8 invoice item `type` -> kind.
KIND_VALUES = {
    "subscription": LineKind.LICENSE,
    "prorate": LineKind.LICENSE,
    "license": LineKind.LICENSE,
    "licence": LineKind.LICENSE,
    "one-time": LineKind.ONE_TIME,
    "one_time": LineKind.ONE_TIME,
    "service-charge": LineKind.ONE_TIME,
    "invoice-credit": LineKind.CREDIT,
    "service-credit": LineKind.CREDIT,
    "payment-credit": LineKind.CREDIT,
    "rebate": LineKind.CREDIT,
    "credit": LineKind.CREDIT,
    "usage": LineKind.USAGE,
}
MAX_LENGTHS = {
    "customer_tenant_id": 100,
    "customer_name": 300,
    "provider_subscription_id": 100,
    "product_id": 100,
    "sku_id": 100,
    "product_name": 300,
    "sku_name": 300,
    "charge_type": 60,
    "term_and_billing_cycle": 200,
    "billing_frequency": 40,
    "reference_id": 100,
    "meter_name": 200,
    "currency": 3,
}


@dataclass(slots=True)
class LineData:
    row_number: int
    kind: str
    customer_tenant_id: str
    customer_name: str
    provider_subscription_id: str
    product_id: str
    sku_id: str
    product_name: str
    sku_name: str
    charge_type: str
    unit_price: Decimal
    effective_unit_price: Decimal
    quantity: Decimal
    billable_quantity: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    charge_start: dt.date | None
    charge_end: dt.date | None
    usage_date: dt.date | None
    term_and_billing_cycle: str
    billing_frequency: str
    reference_id: str
    meter_name: str
    currency: str
    exchange_rate: Decimal | None
    raw: str


def classify(*, kind_value: str, charge_type: str, amount: Decimal, default: str) -> str:
    """A line's kind: the template's fixed kind, else its kind column, else charge type and sign."""
    if default == "usage":
        return LineKind.USAGE
    if kind_value:
        found = KIND_VALUES.get(kind_value.strip().lower())
        if found is not None:
            return LineKind.CREDIT if found == LineKind.LICENSE and amount < 0 else found
    folded = charge_type.strip().lower().replace(" ", "")
    if folded in USAGE_TYPES:
        return LineKind.USAGE
    if folded in CREDIT_TYPES or amount < 0:
        return LineKind.CREDIT
    if folded in ONE_TIME_TYPES:
        return LineKind.ONE_TIME
    return LineKind.LICENSE


# -- values --------------------------------------------------------------------------------------


def amount_value(value: Any) -> Decimal | None:
    """ValueError for anything that is not a plain decimal number."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not an amount: {value!r}")
        return number
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    raise ValueError(f"not an amount: {value!r}")


def date_value(value: Any, formats: Sequence[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if not text:
        return None
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and (len(text) == 10 or text[10] in "T "):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            pass
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no zone)
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")


def text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, Decimal | float):
        return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def raw_json(value: Any) -> str:
    """A row (cells or an API object) as compact JSON text, every number as its exact text."""
    if isinstance(value, list) and all(type(cell) is str for cell in value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(_jsonable(value), ensure_ascii=False, separators=(",", ":"))


# -- files ---------------------------------------------------------------------------------------


def file_hash(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def is_xlsx(name: str, handle: IO[bytes]) -> bool:
    head = handle.read(4)
    handle.seek(0)
    return name.lower().endswith((".xlsx", ".xlsm")) or head == b"PK\x03\x04"


def file_rows(name: str, handle: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of every row, the header first (row 1); empty rows skipped."""
    if is_xlsx(name, handle):
        yield from _xlsx_rows(handle)
    else:
        yield from _csv_rows(handle)


def _csv_rows(handle: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter), [])
        yield 1, header
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=2):
            if cells and any(cells):
                yield number, cells
    finally:
        if not handle.closed:
            text.detach()  # leave the caller's file open


def _xlsx_rows(handle: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            if number == 1 or any(cell not in (None, "") for cell in cells):
                yield number, cells
    finally:
        workbook.close()


def open_file(path: str | Path) -> IO[bytes]:
    return Path(path).open("rb")


class TemplateReader:
    """Reads the rows of one file through a template's column map (hot loop: kept lean)."""

    def __init__(
        self, columns: dict[str, str], *, kind: str, date_formats: str, header: list[Any], plain: bool = False
    ) -> None:
        self.kind = kind
        self.plain = plain  # every cell is text (CSV): no conversion
        self.formats = tuple(part.strip() for part in date_formats.split(",") if part.strip())
        self.header = [text_value(cell).strip() for cell in header]
        positions = {name.casefold(): index for index, name in enumerate(self.header) if name}
        self.index: dict[str, int] = {}
        self.missing: list[Problem] = []
        for field, column in columns.items():
            position = positions.get(column.strip().casefold())
            if position is None:
                self.missing.append((1, column, f"column missing from the header (template field {field})"))
            else:
                self.index[field] = position
        self.names = {field: columns[field] for field in self.index}
        self.amount_columns = [(f, self.index[f], self.names[f]) for f in AMOUNT_FIELDS if f in self.index]
        self.date_columns = [(f, self.index[f], self.names[f]) for f in DATE_FIELDS if f in self.index]
        self.text_columns = [(f, self.index[f]) for f in MAX_LENGTHS if f in self.index]
        self.kind_position = self.index.get("kind")
        self._dates: dict[str, dt.date] = {}  # a file repeats a few dates a million times

    def _date(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            found = self._dates.get(value)
            if found is None:
                found = date_value(value, self.formats)
                if found is None:
                    return None
                if len(self._dates) < 10_000:
                    self._dates[value] = found
            return found
        return date_value(value, self.formats)

    def read(self, number: int, cells: list[Any]) -> LineData | list[Problem]:
        size = len(cells)
        problems: list[Problem] = []
        amounts: dict[str, Decimal | None] = {}
        for field, position, name in self.amount_columns:
            value = cells[position] if position < size else None
            try:
                amounts[field] = amount_value(value)
            except ValueError:
                problems.append((number, name, f"unreadable amount {text_value(value)!r}"))
        dates: dict[str, dt.date | None] = {}
        for field, position, name in self.date_columns:
            value = cells[position] if position < size else None
            try:
                dates[field] = self._date(value)
            except ValueError:
                problems.append((number, name, f"unreadable date {text_value(value)!r}"))
        if problems:
            return problems
        plain = self.plain
        texts = {
            field: (cells[position] if plain else text_value(cells[position])).strip()
            for field, position in self.text_columns
            if position < size
        }
        kind_position = self.kind_position
        kind_value = (
            "" if kind_position is None or kind_position >= size else text_value(cells[kind_position])
        )
        return build_line(
            number,
            texts,
            amounts,
            dates,
            kind=self.kind,
            kind_value=kind_value,
            raw=json.dumps(
                cells if plain else [text_value(cell) for cell in cells],
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        )


def build_line(
    number: int,
    texts: dict[str, str],
    amounts: dict[str, Decimal | None],
    dates: dict[str, dt.date | None],
    *,
    kind: str,
    kind_value: str,
    raw: str,
) -> LineData:
    """A line with the defaults of missing values: billable = quantity, total = subtotal + tax, ..."""
    zero = Decimal(0)
    quantity = amounts.get("quantity") or zero
    tax = amounts.get("tax") or zero
    subtotal = amounts.get("subtotal")
    total = amounts.get("total")
    if total is None:
        total = (subtotal or zero) + tax
    if subtotal is None:
        subtotal = total - tax
    unit_price = amounts.get("unit_price") or zero
    billable = amounts.get("billable_quantity")
    eup = amounts.get("effective_unit_price")

    def text(field: str) -> str:
        value = texts.get(field, "")
        limit = MAX_LENGTHS[field]
        return value if len(value) <= limit else value[:limit]

    charge_type = text("charge_type")
    return LineData(
        row_number=number,
        kind=classify(kind_value=kind_value, charge_type=charge_type, amount=subtotal, default=kind),
        customer_tenant_id=text("customer_tenant_id"),
        customer_name=text("customer_name"),
        provider_subscription_id=text("provider_subscription_id"),
        product_id=text("product_id"),
        sku_id=text("sku_id"),
        product_name=text("product_name"),
        sku_name=text("sku_name"),
        charge_type=charge_type,
        unit_price=unit_price,
        effective_unit_price=eup if eup is not None else unit_price,
        quantity=quantity,
        billable_quantity=billable if billable is not None else quantity,
        subtotal=subtotal,
        tax=tax,
        total=total,
        charge_start=dates.get("charge_start"),
        charge_end=dates.get("charge_end"),
        usage_date=dates.get("usage_date"),
        term_and_billing_cycle=text("term_and_billing_cycle"),
        billing_frequency=text("billing_frequency"),
        reference_id=text("reference_id"),
        meter_name=text("meter_name"),
        currency=text("currency").upper(),
        exchange_rate=amounts.get("exchange_rate"),
        raw=raw,
    )
