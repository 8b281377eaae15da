# SPDX-License-Identifier: AGPL-3.0-or-later
"""Schemathesis over the whole API of a live `seatline serve`: every operation, generated and
boundary inputs, and stateful sequences through the schema's links. Zero server errors, zero
responses outside the schema. Bounded (examples per operation, a fixed seed) to run in CI in
about a minute."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.live import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.schemathesis, pytest.mark.own_sqlite]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        "unsupported_method",
    ]
)
MAX_EXAMPLES = os.environ.get("SEATLINE_SCHEMATHESIS_EXAMPLES", "10")


def test_the_whole_api_conforms_to_its_schema(server: LiveServer, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {server.token}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "1",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-20000:] + "\n--- server log ---\n" + server.log()[-5000:]
    assert "Stateful" in report and "✅ Stateful" in report
    assert "Traceback" not in server.log()
