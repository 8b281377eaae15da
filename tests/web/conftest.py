# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live `seatline serve` per test module (collectstatic and boot take ~10 s)."""
    with live_server(Path(tmp_path_factory.mktemp("live"))) as running:
        yield running
