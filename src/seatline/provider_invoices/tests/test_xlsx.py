# SPDX-License-Identifier: AGPL-3.0-or-later
"""XLSX files (openpyxl read-only): Pax8 invoice items, numbers and dates as the workbook types them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from seatline.provider_invoices import services
from seatline.provider_invoices.tests.support import provider

pytestmark = pytest.mark.django_db
COLUMNS = ["type", "companyId", "companyName", "subscriptionId", "productId", "sku", "productName", "description",
           "chargeType", "price", "quantity", "subTotal", "salesTax", "total", "startPeriod", "endPeriod", "term",
           "currencyCode"]  # fmt: skip


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_pax8_items_from_xlsx_keep_exact_amounts_and_kinds(tmp_path: Path) -> None:
    start, end = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31)  # noqa: DTZ001 (spreadsheet dates are naive)
    path = workbook(
        tmp_path / "pax8.xlsx",
        [
            ["subscription", "c-1", "Contoso", "p8-1", "prod", "SKU1", "M365 BB", "Business Basic", "per", 6.1, 3,
             18.3, 0.1, 18.4, start, end, "Monthly", "USD"],
            ["invoice-credit", "c-1", "Contoso", "p8-1", "prod", "SKU1", "M365 BB", "Credit", "flat", -5, 1,
             -5, 0, -5, "2024-01-15", "01/31/2024", "Monthly", "USD"],
            [None] * len(COLUMNS),
            ["one-time", "c-2", "Fabrikam", "p8-2", "prod2", "SKU2", "Setup", "Setup fee", "flat", 25, 1,
             25, 0, 25, start, start, "One-Time", "USD"],
        ],
    )  # fmt: skip

    invoice = services.import_file(
        provider=provider(),
        template=services.template_by_key("pax8_invoice_items"),
        number="PAX-2024-01",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        total="38.40",
        tax="0.10",
        file=path,
    )

    assert (invoice.state, invoice.difference, invoice.line_count) == ("active", 0, 3)
    lines = list(invoice.lines.order_by("row_number"))
    assert [(line.row_number, line.kind, line.unit_price, line.tax, line.total) for line in lines] == [
        (2, "license", Decimal("6.1"), Decimal("0.1"), Decimal("18.4")),
        (3, "credit", Decimal(-5), Decimal(0), Decimal(-5)),
        (5, "one_time", Decimal(25), Decimal(0), Decimal(25)),  # row 4 is empty
    ]
    assert (lines[0].charge_start, lines[1].charge_start, lines[1].charge_end) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 15),
        dt.date(2024, 1, 31),
    )
    assert lines[0].raw_fields()["startPeriod"] == "2024-01-01T00:00:00"
    assert invoice.raw_columns == COLUMNS
