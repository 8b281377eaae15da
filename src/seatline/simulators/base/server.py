# SPDX-License-Identifier: AGPL-3.0-or-later
"""The simulators' threaded HTTP server (standard library only) and command-line runner.

    sim = SomeSimulator(state_path=None, port=0).start()
    sim.url   # "http://127.0.0.1:<port>"
    sim.stop()

A vendor subclasses `SimulatorServer` with its `SimulatorApp` and state class.
"""

from __future__ import annotations

import argparse
import logging
import pathlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from seatline.simulators.base import jsonio
from seatline.simulators.base.dispatch import SimulatorApp, dispatch

logger = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server_version = "Simulator/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall
    state: Any  # set on the subclass made per server
    app: SimulatorApp

    def _serve(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query: dict[str, str] = {}
        for key, value in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True):
            query.setdefault(key.lower(), value)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        response = dispatch(
            self.app,
            self.state,
            self.command,
            urllib.parse.unquote(parsed.path),
            query,
            self.headers,
            body,
            parsed.query,
        )
        if response.raw is not None:
            payload = response.raw
        elif response.body is None:
            payload = b""
        else:
            payload = jsonio.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if payload or response.raw is not None:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class SimulatorServer:
    """A vendor look-alike on a local port, with a controllable clock."""

    app: SimulatorApp
    server_version = "Simulator/1.0"
    thread_name = "simulator"

    def __init__(self, state: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        handler = type(
            f"{type(self).__name__}Handler",
            (_Handler,),
            {"state": self.state, "app": self.app, "server_version": self.server_version},
        )
        self._server = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Any:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=self.thread_name,
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def close(self) -> None:
        """Close the socket and save the state (after `serve_forever` returned)."""
        self._server.server_close()
        with self.state.lock:
            self.state.save()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.close()


def common_arguments(parser: argparse.ArgumentParser, default_port: int) -> argparse.ArgumentParser:
    """--host, --port, --state, --start-time: the options every simulator takes."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=default_port, help=f"port to listen on (default {default_port})"
    )
    parser.add_argument(
        "--state", type=pathlib.Path, default=None, help="JSON file keeping state across restarts"
    )
    parser.add_argument("--start-time", default=None, help="initial simulator time (ISO 8601, UTC)")
    return parser


def serve(sim: SimulatorServer, banner: str) -> int:
    """Print `banner` and serve in the foreground until interrupted; saves the state on the way out."""
    print(banner, flush=True)  # noqa: T201
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0
