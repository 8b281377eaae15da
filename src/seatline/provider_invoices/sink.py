# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bulk insert of provider lines: COPY on PostgreSQL (psycopg's `copy`), batched executemany on SQLite.

Rows go straight from the parser to the database inside the caller's transaction; nothing is
accumulated beyond one SQLite batch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from seatline.provider_invoices.models import ProviderInvoiceLine
from seatline.provider_invoices.rows import LineData

COLUMNS = (
    "invoice_id",
    "row_number",
    "kind",
    "customer_tenant_id",
    "customer_name",
    "provider_subscription_id",
    "product_id",
    "sku_id",
    "product_name",
    "sku_name",
    "charge_type",
    "unit_price",
    "effective_unit_price",
    "quantity",
    "billable_quantity",
    "subtotal",
    "tax",
    "total",
    "charge_start",
    "charge_end",
    "usage_date",
    "term_and_billing_cycle",
    "billing_frequency",
    "reference_id",
    "meter_name",
    "currency",
    "exchange_rate",
    "match",
    "subscription_id",
    "raw",
)
SQLITE_BATCH = 2000


def _row(invoice_id: int, line: LineData, match: str, subscription_id: int | None) -> tuple[Any, ...]:
    return (
        invoice_id,
        line.row_number,
        line.kind,
        line.customer_tenant_id,
        line.customer_name,
        line.provider_subscription_id,
        line.product_id,
        line.sku_id,
        line.product_name,
        line.sku_name,
        line.charge_type,
        line.unit_price,
        line.effective_unit_price,
        line.quantity,
        line.billable_quantity,
        line.subtotal,
        line.tax,
        line.total,
        line.charge_start,
        line.charge_end,
        line.usage_date,
        line.term_and_billing_cycle,
        line.billing_frequency,
        line.reference_id,
        line.meter_name,
        line.currency,
        line.exchange_rate,
        match,
        subscription_id,
        line.raw,
    )


class LineSink:
    """`with LineSink(invoice_id) as sink: sink.add(line, match, subscription_id)`."""

    def __init__(self, invoice_id: int) -> None:
        self.invoice_id = invoice_id
        self.table = ProviderInvoiceLine._meta.db_table
        self.count = 0
        self._copy: Any = None
        self._copy_cm: Any = None
        self._cursor: Any = None
        self._batch: list[tuple[Any, ...]] = []

    def __enter__(self) -> LineSink:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            self._cursor = connection.connection.cursor()
            names = ", ".join(f'"{name}"' for name in COLUMNS)
            self._copy_cm = self._cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN')
            self._copy = self._copy_cm.__enter__()
        return self

    def add(self, line: LineData, match: str, subscription_id: int | None) -> None:
        row = _row(self.invoice_id, line, match, subscription_id)
        self.count += 1
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self._batch.append(_sqlite(row))
        if len(self._batch) >= SQLITE_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        names = ", ".join(f'"{name}"' for name in COLUMNS)
        with connection.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{self.table}" ({names}) VALUES ({placeholders})', self._batch)
        self._batch = []

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self._copy_cm is not None:
            try:
                self._copy_cm.__exit__(kind, error, trace)
            finally:
                self._cursor.close()
            return
        if kind is None:
            self._flush()


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """SQLite gets text for decimals and dates (no adapter guesses)."""
    return tuple(_sqlite_value(value) for value in row)


def _sqlite_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    return value.isoformat()
