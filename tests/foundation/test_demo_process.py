# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline demo` as a person runs it: started, then stopped with SIGTERM; every process it
started is gone and its ports are free. Also: e-mail goes to files, and a database that was never
migrated is answered with a sentence saying what to run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.own_sqlite  # its own Seatline on its own SQLite database

START_SECONDS = 900  # loading two months of demo history on a busy machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc: children of each of its threads)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def demo_environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "EMAIL_"))}
    env.update(SEATLINE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    return env


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to list child processes")
def test_sigterm_stops_every_process_of_the_demo_and_frees_its_ports(tmp_path: Path) -> None:
    web, simulator, stripe = free_port(), free_port(), free_port()
    with (tmp_path / "demo.log").open("w+") as log:
        started = _start_and_stop(tmp_path, log, web, simulator, stripe)
    text = (tmp_path / "demo.log").read_text()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in started if alive(pid)] == [], text
    assert port_is_free(web) and port_is_free(simulator) and port_is_free(stripe)


def _start_and_stop(tmp_path: Path, log: Any, web: int, simulator: int, stripe: int) -> set[int]:
    """Start the demo, wait until it serves, note the processes it started, SIGTERM it."""
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seatline.cli",
            "demo",
            "--addr",
            f"127.0.0.1:{web}",
            "--simulator-port",
            str(simulator),
            "--stripe-port",
            str(stripe),
            "--history-months",
            "2",
        ],
        env=demo_environment(tmp_path / "data"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while port_is_free(web):
            assert demo.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, Path(log.name).read_text()
            time.sleep(1)
        started = descendants(demo.pid)
        text = Path(log.name).read_text()
        assert "seeded" in text.lower() or "simulator" in text.lower(), text
        # simulator, worker, scheduler and the web server's worker at least
        assert len(started) >= 4, (started, text)
        assert not port_is_free(simulator) and not port_is_free(stripe)
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    return started


def test_a_database_never_migrated_gets_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seatline.cli", "invoice-run", "--help"],
        env=demo_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0  # help needs no database
    result = subprocess.run(
        [sys.executable, "-m", "seatline.cli", "invoice-run", "--date", "2026-11-01"],
        env=demo_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "is not set up" in result.stderr
    assert "Run `./run seatline migrate`" in result.stderr
    assert "Traceback" not in result.stderr
