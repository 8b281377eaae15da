# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterator

import pytest

from seatline.providers.tests.simulator import SECRET_ENV, Sim, running_simulator


@pytest.fixture
def sim(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sim]:
    monkeypatch.setenv(SECRET_ENV, "e2e-secret")
    with running_simulator() as handle:
        yield handle
