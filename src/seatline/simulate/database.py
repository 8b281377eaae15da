# SPDX-License-Identifier: AGPL-3.0-or-later
"""A fresh throwaway database for one simulation, cloned from a migrated template.

SQLite (the default): the template is a migrated database file in the data directory, named
from a hash of the migration files, built once (migrated into a temporary file, then renamed
atomically); each simulation copies it into a temporary file. PostgreSQL: the template is a
database built once with `migrate`; each simulation runs `CREATE DATABASE ... TEMPLATE ...`.
`connections["default"]` is pointed at the throwaway database before any query and restored
afterwards; the database is removed unless kept for inspection.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connections

# Throwaway databases are rebuilt from scratch on any failure: no need for durability.
FAST_SQLITE_PRAGMAS = "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;"


def migrations_hash() -> str:
    """A hash of every installed app's migration files (and Django's version)."""
    digest = hashlib.sha256(django.get_version().encode())
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        directory = Path(config.path) / "migrations"
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.py")):
            digest.update(f"{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _pointed_at(name: str, *, init_command: str | None = None) -> Iterator[None]:
    """Point the default connection at database `name` (no query has run on the old one)."""
    connection = connections["default"]
    connection.close()
    saved_name = connection.settings_dict["NAME"]
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved_options = dict(options)
    connection.settings_dict["NAME"] = name
    if init_command is not None:
        options["init_command"] = init_command
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        options.clear()
        options.update(saved_options)


def _migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0, run_syncdb=False)


@contextmanager
def throwaway_database(*, keep: bool = False) -> Iterator[str]:
    """Run the body on a fresh migrated database; yields its location (file path or name)."""
    vendor = connections["default"].vendor
    if vendor == "sqlite":
        with _sqlite_throwaway(keep=keep) as location:
            yield location
    elif vendor == "postgresql":
        with _postgresql_throwaway(keep=keep) as location:
            yield location
    else:  # pragma: no cover - conf.database_config allows only these two
        raise RuntimeError(f"seatline simulate: unsupported database vendor {vendor!r}")


def _data_dir() -> Path:
    directory = Path(settings.DATA_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def sqlite_template(directory: Path | None = None) -> Path:
    directory = directory or _data_dir()
    template = directory / f"simulate-template-{migrations_hash()}.sqlite3"
    if template.exists():
        return template
    fd, building = tempfile.mkstemp(prefix=".simulate-template-", suffix=".sqlite3", dir=directory)
    os.close(fd)
    try:
        with _pointed_at(building, init_command="PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF;"):
            _migrate()
        os.replace(building, template)  # atomic: concurrent builders just replace each other
    finally:
        for leftover in (building, f"{building}-journal", f"{building}-wal", f"{building}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return template


@contextmanager
def _sqlite_throwaway(*, keep: bool) -> Iterator[str]:
    template = sqlite_template()
    fd, path = tempfile.mkstemp(prefix="seatline-simulate-", suffix=".sqlite3")
    os.close(fd)
    try:
        shutil.copyfile(template, path)
        with _pointed_at(path, init_command=FAST_SQLITE_PRAGMAS):
            yield path
    finally:
        if not keep:
            for leftover in (path, f"{path}-journal"):
                if os.path.exists(leftover):
                    os.unlink(leftover)


def _pg_execute(sql: str, params: list | None = None) -> list:
    connection = connections["default"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _pg_exists(name: str) -> bool:
    return bool(_pg_execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def postgresql_template() -> str:
    quote = connections["default"].ops.quote_name
    template = f"seatline_simtpl_{migrations_hash()}"
    if _pg_exists(template):
        return template
    building = f"seatline_simbuild_{uuid.uuid4().hex[:12]}"
    _pg_execute(f"CREATE DATABASE {quote(building)}")
    try:
        with _pointed_at(building):
            _migrate()
        if _pg_exists(template):  # built concurrently meanwhile
            return template
        try:
            _pg_execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
        except DatabaseError:
            if not _pg_exists(template):  # not a lost race: a real failure
                raise
            return template
        building = ""
    finally:
        if building:
            _pg_execute(f"DROP DATABASE IF EXISTS {quote(building)}")
    return template


@contextmanager
def _postgresql_throwaway(*, keep: bool) -> Iterator[str]:
    quote = connections["default"].ops.quote_name
    template = postgresql_template()
    name = f"seatline_sim_{uuid.uuid4().hex[:12]}"
    _pg_execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
    try:
        with _pointed_at(name):
            yield name
    finally:
        if not keep:
            _pg_execute(f"DROP DATABASE IF EXISTS {quote(name)}")
