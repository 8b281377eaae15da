# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Pax8 simulator: state, request handling (bearer tokens, Pax8's error envelope) and server.

    sim = Pax8Simulator(port=0).start()
    Pax8Connector.from_config({"base_url": f"{sim.url}/v1", "token_url": f"{sim.url}/oauth/token",
                               "client_id": "id", "client_secret": "secret"})
    sim.stop()

or from a shell: `seatline simulator pax8 --port 8440 --state var/pax8.json`. Tokens live
`token_ttl` seconds of the simulator's clock (default 86400, as Pax8's): move the clock with
`POST /_sim/clock {"advance": "P2D"}` (or `POST /_sim/tokens/expire`) and the next call answers 401.
Injected faults (`POST /_sim/faults {"route": "GET /v1/invoices/*/items", "status": 429,
"retry_after": 1}`) answer in Pax8's envelope with `Retry-After`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
from typing import Any

from seatline.simulators.base.clock import parse_instant
from seatline.simulators.base.control import install_control
from seatline.simulators.base.dispatch import SimulatorApp
from seatline.simulators.base.server import SimulatorServer, common_arguments, serve
from seatline.simulators.base.state import BaseState
from seatline.simulators.base.web import Request
from seatline.simulators.pax8.api import ROUTER, check_token
from seatline.simulators.pax8.errors import Pax8Error
from seatline.simulators.pax8.seed import install_seed

TOKEN_PATHS = ("/oauth/token", "/v1/token")


class Pax8State(BaseState):
    def fresh(self, now: dt.datetime) -> dict[str, Any]:
        data = super().fresh(now)
        data.update(
            # client_id "": any non-empty client id and secret are accepted
            config={
                "client_id": "",
                "client_secret": "",
                "token_ttl": 86400,
                "partner_name": "Seatline Partner",
            },
            companies={},
            subscriptions={},
            invoices={},
            invoice_items={},
            draft_items=[],
            tokens={},
            tokens_issued=0,
            pages_served=0,
        )
        return data


class Pax8App(SimulatorApp):
    name = "pax8"
    router = ROUTER

    def bad_request(self, message: str) -> Pax8Error:
        return Pax8Error(400, message)

    def not_found(self, request: Request) -> Pax8Error:
        return Pax8Error(404, f"No handler found for {request.method} {request.path}", instance=request.path)

    def method_not_allowed(self, request: Request) -> Pax8Error:
        return Pax8Error(405, f"Request method '{request.method}' is not supported", instance=request.path)

    def internal_error(self) -> Pax8Error:
        return Pax8Error(500, "An unexpected error occurred")

    def fault_error(self, fault: dict[str, Any]) -> Pax8Error:
        status = fault["status"]
        headers = {"Retry-After": str(fault["retryAfter"])} if fault.get("retryAfter") is not None else {}
        message = "Rate limit exceeded" if status == 429 else f"Injected fault: HTTP {status}"
        return Pax8Error(status, message, headers=headers)

    def authenticate(self, request: Request) -> None:
        if request.path.lower().startswith("/v1/") and request.path.lower() not in TOKEN_PATHS:
            check_token(request)


APP = Pax8App()
install_control(
    ROUTER,
    config_types={"client_id": str, "client_secret": str, "token_ttl": int, "partner_name": str},
)
install_seed(ROUTER)


class Pax8Simulator(SimulatorServer):
    """A Pax8 partner API look-alike on a local port (API under `/v1`, token at `/oauth/token`)."""

    app = APP
    server_version = "Pax8Simulator/1.0"
    thread_name = "pax8-simulator"

    def __init__(
        self,
        state_path: pathlib.Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        start_time: dt.datetime | None = None,
    ) -> None:
        super().__init__(Pax8State(pathlib.Path(state_path) if state_path else None, start_time), host, port)

    def start(self) -> Pax8Simulator:
        super().start()
        return self


def main(argv: list[str] | None = None) -> int:
    parser = common_arguments(
        argparse.ArgumentParser(prog="pax8-simulator", description="Run the Pax8 simulator."), 8440
    )
    args = parser.parse_args(argv)
    start = parse_instant(args.start_time) if args.start_time else None
    sim = Pax8Simulator(args.state, host=args.host, port=args.port, start_time=start)
    return serve(
        sim,
        f"Pax8 simulator on {sim.url} (API {sim.url}/v1, token {sim.url}/oauth/token, control {sim.url}/_sim)",
    )


if __name__ == "__main__":
    raise SystemExit(main())
