# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for tests that start Seatline processes (celery worker, seatline worker) on the test DB."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def database_for_subprocesses(directory: Path) -> Iterator[str]:
    """A DATABASE_URL naming the database this test uses, visible to other processes."""
    connection = connections["default"]
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(settings["USER"] or "", safe="")
        if settings["PASSWORD"]:
            auth += ":" + quote(settings["PASSWORD"], safe="")
        host = settings["HOST"] or "127.0.0.1"
        yield f"postgresql://{auth}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
        return
    path = directory / "celery-test.sqlite3"
    swapped = connection.__class__({**settings, "NAME": str(path)}, "default")
    connections["default"] = swapped
    ContentType.objects.clear_cache()
    try:
        # Only the jobs tables (and their dependencies), without post-migrate signals.
        executor = MigrationExecutor(swapped)
        executor.migrate(executor.loader.graph.leaf_nodes("jobs"))
        yield f"sqlite:///{path}"
    finally:
        swapped.close()
        connections["default"] = connection
        ContentType.objects.clear_cache()


def subprocess_env(database_url: str, directory: Path, **extra: str) -> dict[str, str]:
    """The environment of a Seatline process sharing this test's database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seatline.settings",
        "DATABASE_URL": database_url,
        "SEATLINE_DATA_DIR": str(directory),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }
