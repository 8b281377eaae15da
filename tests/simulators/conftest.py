# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from seatline.simulators.partner_center.server import PartnerCenterSimulator
from tests.simulators.pc_support import START


@pytest.fixture
def simulator() -> Iterator[PartnerCenterSimulator]:
    sim = PartnerCenterSimulator(start_time=START, page_size=2).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def client(simulator: PartnerCenterSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=simulator.url, headers={"Authorization": "Bearer test-token"}, timeout=5
    ) as http:
        yield http
