# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures: the Partner Center simulator on loopback and a connector pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from seatline.connectors.partner_center.connector import PartnerCenterConnector
from tests.connectors.simulator import START, Recorder, Sim, make_connector


@pytest.fixture
def sim() -> Iterator[Sim]:
    server_module = pytest.importorskip("seatline.simulators.partner_center.server")
    server = server_module.PartnerCenterSimulator(state_path=None, host="127.0.0.1", port=0).start()
    http = httpx.Client(timeout=10)
    try:
        handle = Sim(server.url, http)
        handle.set_now(START)
        yield handle
    finally:
        http.close()
        server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def connector(sim: Sim, sleeps: list[float], recorder: Recorder) -> Iterator[PartnerCenterConnector]:
    made = make_connector(sim, sleeps, recorder)
    yield made
    made.close()
