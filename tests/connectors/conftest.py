# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures: the Partner Center simulator on loopback and a connector pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from seatline.connectors.partner_center.connector import PartnerCenterConnector
from seatline.connectors.partner_center.parsing import datetime_value as parse_instant
from tests.connectors.local_server import LocalServer
from tests.connectors.simulator import START, Recorder, Sim, make_connector


@pytest.fixture
def sim() -> Iterator[Sim]:
    server_module = pytest.importorskip("seatline.simulators.partner_center.server")
    server = server_module.PartnerCenterSimulator(
        state_path=None, host="127.0.0.1", port=0, start_time=parse_instant(START)
    ).start()
    http = httpx.Client(timeout=10)
    try:
        handle = Sim(server.url, http)
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
def make(
    sim: Sim, sleeps: list[float], recorder: Recorder
) -> Iterator[Callable[..., PartnerCenterConnector]]:
    """Build connectors to the simulator (config overrides as keywords); all closed afterwards."""
    made: list[PartnerCenterConnector] = []

    def build(**extra: Any) -> PartnerCenterConnector:
        made.append(make_connector(sim, sleeps, recorder, **extra))
        return made[-1]

    yield build
    for connector in made:
        connector.close()


@pytest.fixture
def connector(make: Callable[..., PartnerCenterConnector]) -> PartnerCenterConnector:
    return make()


@pytest.fixture
def loopback() -> Iterator[LocalServer]:
    """A scripted loopback server (serves the documented answers in the documented-payload tests)."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()
