# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Partner Center simulator's HTTP server (the shared `simulators.base.server`).

    sim = PartnerCenterSimulator(state_path=None, port=0).start()
    sim.url   # "http://127.0.0.1:<port>"; the API is under sim.url + "/v1/..."
    sim.stop()

or from a shell: `seatline simulator partner-center --port 8400 --state var/pc.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib

from seatline.simulators.base.server import SimulatorServer, common_arguments, serve
from seatline.simulators.partner_center.clock import parse_instant
from seatline.simulators.partner_center.handlers import APP
from seatline.simulators.partner_center.state import SimState


class PartnerCenterSimulator(SimulatorServer):
    """A Partner Center look-alike on a local port, with a controllable clock."""

    app = APP
    server_version = "PartnerCenterSimulator/1.0"
    thread_name = "partner-center-simulator"

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
        state = SimState(
            pathlib.Path(state_path) if state_path else None, start_time, page_size, config=switches
        )
        super().__init__(state, host, port)

    def start(self) -> PartnerCenterSimulator:
        super().start()
        return self


def build_parser(prog: str = "partner-center-simulator") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Run the Microsoft Partner Center simulator.")
    common_arguments(parser, default_port=8400)
    parser.add_argument("--page-size", type=int, default=None, help="default page size of paged collections")
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
        args.state, host=args.host, port=args.port, start_time=start, page_size=args.page_size
    )
    return serve(sim, f"Partner Center simulator on {sim.url} (API {sim.url}/v1, control {sim.url}/_sim)")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: --host, --port (default 8400), --state FILE, --page-size N, --start-time ISO."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
