# SPDX-License-Identifier: AGPL-3.0-or-later
"""A live `seatline serve` (gunicorn) on an ephemeral loopback port, on a throwaway SQLite
database seeded with a small tenant (tests/web/live_tenant.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SEATLINE = [sys.executable, "-m", "seatline.cli"]


@dataclass
class LiveServer:
    url: str
    token: str
    read_token: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        path = self.data_dir / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "SEATLINE_DATA_DIR": str(data_dir),
            "DEBUG": "false",
            "SEATLINE_API_RATE": "1000000/minute",
            "SECRET_KEY": "live-test-" + "k" * 60,
            "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
        }
    )
    env.update(extra)
    return env


@contextmanager
def live_server(data_dir: Path, *, timeout: float = 120.0, **extra_env: str) -> Iterator[LiveServer]:
    env = server_env(data_dir, **extra_env)
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.web.live_tenant"], cwd=ROOT, env=env, capture_output=True, check=False
    )
    if seeded.returncode != 0:
        raise RuntimeError(f"seeding failed: {seeded.stderr.decode(errors='replace')}")
    tokens = json.loads(seeded.stdout)
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [*SEATLINE, "serve", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        cwd=data_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", tokens["token"], tokens["read_token"], data_dir, process)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"seatline serve exited with {process.returncode}:\n{server.log()}")
            try:
                if httpx.get(f"{server.url}/api/schema/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"seatline serve did not answer within {timeout} s:\n{server.log()}")
            time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
