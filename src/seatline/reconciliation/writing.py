# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fast writes of a reconciliation's rows: COPY on PostgreSQL (a 100,000-line invoice writes
hundreds of thousands of rows per run), batched INSERTs elsewhere; and the removal of a previous
result with plain DELETEs (no per-row cascade collection). Inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from seatline.reconciliation.models import (
    GroupCustomerLine,
    GroupSubscription,
    ReconciledLine,
    Reconciliation,
    ReconciliationGroup,
)

BATCH = 5000


def write_rows(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values in the order of the db `columns`) into `model`'s table."""
    table = model._meta.db_table
    names = ", ".join(f'"{name}"' for name in columns)
    count = 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    placeholders = ", ".join(["%s"] * len(columns))
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([format(v, "f") if isinstance(v, Decimal) else v for v in row])
            count += 1
            if len(batch) >= BATCH:
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})', batch)
                batch = []
        if batch:
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})', batch)
    return count


def clear(recon: Reconciliation) -> None:
    """Delete the previous groups and line rows of `recon` (children first)."""
    groups = ReconciliationGroup.objects.filter(reconciliation=recon)
    for queryset in (
        GroupSubscription.objects.filter(group__in=groups.values("pk")),
        GroupCustomerLine.objects.filter(group__in=groups.values("pk")),
        ReconciledLine.objects.filter(reconciliation=recon),
        groups,
    ):
        queryset._raw_delete(queryset.db)
