# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for every test (tests/ and src/seatline/*/tests)."""

import pytest


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
