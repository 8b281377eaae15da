# SPDX-License-Identifier: AGPL-3.0-or-later
"""Acceptance: every scenario file here, run through `seatline simulate`, matches its expected output.

The `*.expected.json` files are the oracle: computed by hand from docs/billing.md (each YAML
starts with the computation), never from Seatline's own output. See README.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.compare import compare

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.yaml"))
CLI_TIMEOUT = 600


def expected_for(path: Path) -> dict:
    return json.loads(path.with_name(f"{path.stem}.expected.json").read_text())


def report(path: Path, diffs: list[str]) -> str:
    return f"{path.name}: {len(diffs)} difference(s) from {path.stem}.expected.json:\n  " + "\n  ".join(diffs)


def run_cli(path: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEATLINE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "seatline.cli", "simulate", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def test_every_scenario_has_its_expected_output():
    assert len(SCENARIOS) >= 25
    for path in SCENARIOS:
        assert path.with_name(f"{path.stem}.expected.json").is_file(), path.name
    assert {p.name.removesuffix(".expected.json") for p in HERE.glob("*.expected.json")} == {
        p.stem for p in SCENARIOS
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path):
    from seatline.simulate.runner import run_scenario_file

    actual = run_scenario_file(path)
    diffs = compare(expected_for(path), actual)
    assert diffs == [], report(path, diffs)


def test_cli_simulate_prints_the_expected_json(tmp_path):
    path = HERE / "01-quarterly-proration.yaml"
    proc = run_cli(path, tmp_path)
    assert proc.returncode == 0, proc.stderr
    actual = json.loads(proc.stdout)
    diffs = compare(expected_for(path), actual)
    assert diffs == [], report(path, diffs)


def _malformed_copy(tmp_path: Path) -> tuple[Path, int]:
    """01-quarterly-proration with the contract key `frequency:` misspelt; returns (file, 1-based line)."""
    lines = (HERE / "01-quarterly-proration.yaml").read_text().splitlines(keepends=True)
    (lineno,) = [n for n, text in enumerate(lines, start=1) if text.strip().startswith("frequency:")]
    lines[lineno - 1] = lines[lineno - 1].replace("frequency:", "frequncy:")
    bad = tmp_path / "malformed.yaml"
    bad.write_text("".join(lines))
    return bad, lineno


def test_cli_malformed_file_exits_2_naming_the_key(tmp_path):
    bad, _ = _malformed_copy(tmp_path)
    proc = run_cli(bad, tmp_path / "data")
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "frequncy" in proc.stderr


def test_cli_malformed_file_names_the_line(tmp_path):
    bad, lineno = _malformed_copy(tmp_path)
    proc = run_cli(bad, tmp_path / "data")
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert re.search(rf"\b{lineno}\b", proc.stderr), proc.stderr
