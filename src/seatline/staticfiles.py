# SPDX-License-Identifier: AGPL-3.0-or-later
"""Static files: hashed and compressed by `collectstatic`, served by WhiteNoise.

`seatline serve` collects them into `$SEATLINE_DATA_DIR/static` at start, so pages link the
hashed (cacheable forever) names. Where nothing was collected (tests, `manage.py shell`), a page
links the plain name instead of failing on a missing manifest entry.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class SeatlineStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected: the unhashed name
            return name
