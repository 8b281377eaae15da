# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Partner Center simulator's HTTP server (standard library only).

    sim = PartnerCenterSimulator(state_path=None, port=0).start()
    sim.url   # "http://127.0.0.1:<port>"; the API is under sim.url + "/v1/..."
    sim.stop()

or from a shell: `seatline simulator partner-center --port 8400 --state var/pc.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import pathlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from seatline.simulators.partner_center import jsonio
from seatline.simulators.partner_center.clock import parse_instant
from seatline.simulators.partner_center.handlers import dispatch
from seatline.simulators.partner_center.state import SimState

logger = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server_version = "PartnerCenterSimulator/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall
    state: SimState  # set on the subclass made per server

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
            self.state, self.command, urllib.parse.unquote(parsed.path), query, self.headers, body
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


class PartnerCenterSimulator:
    """A Partner Center look-alike on a local port, with a controllable clock."""

    def __init__(
        self,
        state_path: pathlib.Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        start_time: dt.datetime | None = None,
        page_size: int | None = None,
        bom: bool = False,
        pascal_case: bool = False,
    ) -> None:
        switches = {key: True for key, on in (("bom", bom), ("pascal_case", pascal_case)) if on}
        self.state = SimState(
            pathlib.Path(state_path) if state_path else None, start_time, page_size, config=switches
        )
        handler = type("PartnerCenterHandler", (_Handler,), {"state": self.state})
        self._server = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> PartnerCenterSimulator:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="partner-center-simulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        with self.state.lock:
            self.state.save()


def build_parser(prog: str = "partner-center-simulator") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Run the Microsoft Partner Center simulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8400, help="port to listen on (default 8400)")
    parser.add_argument(
        "--state", type=pathlib.Path, default=None, help="JSON file keeping state across restarts"
    )
    parser.add_argument("--page-size", type=int, default=None, help="default page size of paged collections")
    parser.add_argument("--start-time", default=None, help="initial simulator time (ISO 8601, UTC)")
    parser.add_argument(
        "--bom", action="store_true", help="start every /v1 answer with a UTF-8 byte-order mark"
    )
    parser.add_argument(
        "--pascal-case", action="store_true", help="write /v1 answers with PascalCase keys (Id, Quantity)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    start = parse_instant(args.start_time) if args.start_time else None
    sim = PartnerCenterSimulator(
        args.state,
        host=args.host,
        port=args.port,
        start_time=start,
        page_size=args.page_size,
        bom=args.bom,
        pascal_case=args.pascal_case,
    )
    print(f"Partner Center simulator on {sim.url} (API {sim.url}/v1, control {sim.url}/_sim)", flush=True)  # noqa: T201
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim._server.server_close()
        with sim.state.lock:
            sim.state.save()
    return 0


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: --host, --port (default 8400), --state FILE, --page-size N, --start-time ISO,
    --bom, --pascal-case."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
