# SPDX-License-Identifier: AGPL-3.0-or-later
"""Set-based writes without model instances: many rows of one table in one statement.

Used where one transaction writes thousands of rows of the same kind (an invoice run chunk).
Rows are plain mappings of column attribute names (`contract_id`, `total`, ...) to Python values
of the field's type; missing fields take the field's default (evaluated once per call).

* `insert_rows(model, rows)`: PostgreSQL: one `COPY ... FROM STDIN` (no ids back); SQLite:
  `executemany`. `insert_rows(..., returning=True)`: PostgreSQL: one `INSERT ... SELECT * FROM
  unnest(...) RETURNING id` (one array parameter per column); SQLite: multi-row `INSERT ...
  RETURNING id` batched to its parameter limit (ids in row order).
* `upsert_rows(model, rows, unique, update)`: the same INSERT with `ON CONFLICT ... DO UPDATE`.
* `update_rows(model, key, columns, rows)`: PostgreSQL: one `UPDATE ... FROM unnest(...)` (the
  `UPDATE ... FROM (VALUES ...)` of the rows, as arrays); SQLite: `executemany` of the
  single-row UPDATE.

Values go to psycopg as they are on PostgreSQL (JSON wrapped as `Jsonb`); on SQLite through the
field's `get_db_prep_save` (Django's adaptation: naive UTC datetimes, decimals as text). Both
statements pass through the connection's execute wrappers (so statement counters see them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connection, models

Row = Mapping[str, Any]


def _fields(model: type[models.Model], names: Sequence[str] | None = None) -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if names is not None:
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        return [by_name[name] for name in names]
    return fields


def _converter(field: models.Field) -> Callable[[Any], Any]:
    if connection.vendor == "postgresql":
        if isinstance(field, models.JSONField):
            from psycopg.types.json import Jsonb

            encoder = field.encoder

            def dumps(value: Any) -> str:
                return json.dumps(value, cls=encoder)

            return lambda value: None if value is None else Jsonb(value, dumps=dumps)
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def _defaults(fields: Sequence[models.Field]) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in fields}


def _run(sql: str, params: Any, many: bool, executor: Callable[..., Any]) -> Any:
    """Run `executor(cursor)` as the statement `sql` through the connection's execute wrappers."""
    with connection.cursor() as cursor:
        wrapped = getattr(cursor, "_execute_with_wrappers", None)

        def run(sql_: str, params_: Any, many_: bool, context: Any) -> Any:
            return executor(cursor)

        if wrapped is None:  # pragma: no cover - Django's CursorWrapper always has it
            return executor(cursor)
        return wrapped(sql, params, many, run)


def _unnest(fields: Sequence[models.Field], data: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """PostgreSQL: `unnest(%s::type[], ...)` of the rows' columns, one array parameter per column
    (a short statement whatever the number of rows)."""
    casts = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    return f"unnest({casts})", [[row[n] for row in data] for n in range(len(fields))]


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def insert_rows(model: type[models.Model], rows: Sequence[Row], *, returning: bool = False) -> list[int]:
    """Insert `rows` into `model`'s table (module doc); the new ids when `returning`."""
    if not rows:
        return []
    fields = _fields(model)
    defaults = _defaults(fields)
    converters = [(f.attname, _converter(f)) for f in fields]
    data = [[convert(row.get(name, defaults[name])) for name, convert in converters] for row in rows]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = _table(model)
    if returning:
        return _insert_returning(table, columns, fields, data)
    if connection.vendor == "postgresql":
        sql = f"COPY {table} ({columns}) FROM STDIN"

        def copy(cursor: Any) -> None:
            with cursor.cursor.copy(sql) as stream:
                for values in data:
                    stream.write_row(values)

        _run(sql, data, True, copy)
        return []
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", data)
    return []


def _insert_returning(
    table: str, columns: str, fields: Sequence[models.Field], data: list[list[Any]]
) -> list[int]:
    width = len(fields)
    if connection.vendor == "postgresql":
        rows, params = _unnest(fields, data)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM {rows} RETURNING id", params)
            return [row[0] for row in cursor.fetchall()]
    size = max(connection.features.max_query_params // width, 1)
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(data), size):
            batch = data[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(batch))} RETURNING id",
                [value for values in batch for value in values],
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def update_rows(
    model: type[models.Model],
    *,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
) -> int:
    """Set `columns` (values per row after the key) and `constants` (same for every row) on the
    rows of `model` whose `key` is each row's first value. Returns the rows updated."""
    if not rows:
        return 0
    constants = dict(constants or {})
    fields = _fields(model, [key, *columns])
    constant_fields = _fields(model, list(constants))
    table = _table(model)
    q = connection.ops.quote_name
    set_constants = [f"{q(f.column)} = %s" for f in constant_fields]
    constant_values = [_converter(f)(constants[f.attname]) for f in constant_fields]
    converters = [_converter(f) for f in fields]
    data = [[convert(value) for convert, value in zip(converters, row, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, arrays = _unnest(fields, data)
            names = ", ".join(f"c{n}" for n in range(len(fields)))
            assignments = [f"{q(f.column)} = v.c{n}" for n, f in enumerate(fields) if n > 0]
            cursor.execute(
                f"UPDATE {table} AS t SET {', '.join([*assignments, *set_constants])} "
                f"FROM {source} AS v({names}) WHERE t.{q(fields[0].column)} = v.c0",
                [*constant_values, *arrays],
            )
            return int(cursor.rowcount)
        assignments = [f"{q(f.column)} = %s" for f in fields[1:]]
        cursor.executemany(
            f"UPDATE {table} SET {', '.join([*assignments, *set_constants])} WHERE {q(fields[0].column)} = %s",
            [[*row[1:], *constant_values, row[0]] for row in data],
        )
        return int(cursor.rowcount)


def upsert_rows(
    model: type[models.Model], rows: Sequence[Row], *, unique: Sequence[str], update: Sequence[str]
) -> None:
    """Multi-row `INSERT ... ON CONFLICT (unique) DO UPDATE SET update = EXCLUDED.update`
    (PostgreSQL and SQLite), batched to the backend's parameter limit."""
    if not rows:
        return
    fields = _fields(model)
    defaults = _defaults(fields)
    converters = [(f.attname, _converter(f)) for f in fields]
    data = [[convert(row.get(name, defaults[name])) for name, convert in converters] for row in rows]
    q = connection.ops.quote_name
    by_name = {f.attname: f for f in fields}
    columns = ", ".join(q(f.column) for f in fields)
    conflict = ", ".join(q(by_name[name].column) for name in unique)
    assignments = ", ".join(f"{q(by_name[n].column)} = EXCLUDED.{q(by_name[n].column)}" for n in update)
    table = _table(model)
    suffix = f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, arrays = _unnest(fields, data)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM {source} {suffix}", arrays)
            return
        size = max(connection.features.max_query_params // len(fields), 1)
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(data), size):
            batch = data[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(batch))} {suffix}",
                [value for values in batch for value in values],
            )


def update_ids(model: type[models.Model], ids: Sequence[int], **values: Any) -> int:
    """`model.objects.filter(pk__in=ids).update(**values)`; on PostgreSQL with the ids as one
    array parameter (`id = ANY(%s)`: a short statement for thousands of ids)."""
    if not ids:
        return 0
    if connection.vendor != "postgresql":
        return int(model._default_manager.filter(pk__in=list(ids)).update(**values))
    fields = _fields(model, list(values))
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(f.column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(model)} SET {assignments} WHERE {q(model._meta.pk.column)} = ANY(%s)",
            [*(_converter(f)(values[f.attname]) for f in fields), list(ids)],
        )
        return int(cursor.rowcount)
