# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for every test (tests/ and src/seatline/*/tests)."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    """Tests marked `own_sqlite` start their own Seatline (a live server, the demo) on their own
    SQLite database whatever DATABASE_URL says: the PostgreSQL pass would only repeat them."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    skip = pytest.mark.skip(
        reason="own_sqlite: runs its own Seatline on its own SQLite database; the SQLite pass ran it"
    )
    for item in items:
        if item.get_closest_marker("own_sqlite"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _file_storage(settings, tmp_path_factory):
    """Stored files (document PDFs, logos) go to a fresh folder per test, never the data dir."""
    location = tmp_path_factory.mktemp("files")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    yield location
