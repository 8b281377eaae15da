# SPDX-License-Identifier: AGPL-3.0-or-later
"""External services for tests: skip with a clear reason when absent, fail under CI=true."""

from __future__ import annotations

import os
import socket

import pytest

SERVICES = {
    "postgresql": ("127.0.0.1", 5432),
    "redis": ("127.0.0.1", 6379),
    "rabbitmq": ("127.0.0.1", 5672),
}


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str) -> None:
    """Skip the calling test when `name` is not listening; under CI=true, fail instead."""
    host, port = SERVICES[name]
    if reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if under_ci():
        pytest.fail(f"{message} (CI=true: required services must be up)")
    pytest.skip(message)


def require_postgres_database() -> None:
    """Skip (or fail under CI) unless the tests themselves run on PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    message = "this test needs DATABASE_URL pointing at PostgreSQL (the suite runs on SQLite now)"
    if under_ci() and os.environ.get("SEATLINE_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)
