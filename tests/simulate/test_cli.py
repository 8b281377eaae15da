# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline simulate FILE` as a process: exit status and streams."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import require_postgres_database

MALFORMED = """\
accounts:
  - {id: wingtip, name: Wingtip Toys}
contracts:
  - {id: wt, account: wingtip, frequency: monthly, start: 2024-01-01, colour: blue}
run: {from: 2024-01-01, to: 2024-01-31}
"""

TINY = """\
accounts:
  - {id: wingtip, name: Wingtip Toys, country: US}
contracts:
  - {id: wt, account: wingtip, type: recurring, frequency: monthly, policy: advance, start: 2024-01-01}
subscriptions:
  - {id: m365, contract: wt, product: Microsoft 365, quantity: 3, price: "10.00", start: 2024-01-01}
events:
  - {date: 2024-01-03, change_quantity: {subscription: ghost, quantity: 2}}
run: {from: 2024-01-01, to: 2024-01-03}
"""


def simulate(
    tmp_path: Path, text: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command as a process; on SQLite unless `env` names another DATABASE_URL."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    base = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env = {**base, "SEATLINE_DATA_DIR": str(tmp_path / "data"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "seatline.cli", "simulate", str(scenario), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_malformed_file_exits_2_naming_the_key_and_line(tmp_path):
    result = simulate(tmp_path, MALFORMED)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("scenario.yaml: line 4: contracts[0].colour: unknown key 'colour'")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").glob("simulate-template-*"))


def test_a_missing_file_exits_2(tmp_path):
    env = {**os.environ, "SEATLINE_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "seatline.cli", "simulate", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "cannot read the file" in result.stderr


def test_a_scenario_runs_on_a_throwaway_database_and_prints_json(tmp_path):
    result = simulate(tmp_path, TINY)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert [invoice["lines"][0]["amount"] for invoice in output["invoices"]] == ["30.00"]
    assert output["rejected"] == [
        {
            "date": "2024-01-03",
            "event": "change_quantity",
            "code": "unknown_reference",
            "message": "no subscription 'ghost' in the scenario",
        }
    ]
    assert output["subscriptions"] == [{"id": "m365", "quantity": 3, "status": "active", "price": "10.0000"}]
    assert [path.name for path in (tmp_path / "data").glob("simulate-template-*.sqlite3")] != []
    assert not (tmp_path / "data" / "seatline.sqlite3").exists()


def test_keep_db_keeps_the_database_and_says_where(tmp_path):
    result = simulate(tmp_path, TINY, "--keep-db")
    assert result.returncode == 0, result.stderr
    prefix = "simulate: database kept at "
    (line,) = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    kept = Path(line.removeprefix(prefix))
    try:
        assert kept.exists()
        assert sqlite3.connect(kept).execute("SELECT count(*) FROM invoicing_invoice").fetchone() == (1,)
    finally:
        kept.unlink(missing_ok=True)


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_database_is_cloned_from_a_template(tmp_path):
    require_postgres_database()
    from django.db import connection

    result = simulate(tmp_path, TINY, "--keep-db", env={"DATABASE_URL": os.environ["DATABASE_URL"]})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["subscriptions"][0]["id"] == "m365"
    prefix = "simulate: database kept at "
    (line,) = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    kept = line.removeprefix(prefix)
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            [kept, "seatline_simtpl_%"],
        )
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(kept)}")
    assert kept in names
    assert any(name.startswith("seatline_simtpl_") for name in names)
