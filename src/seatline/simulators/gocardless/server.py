# SPDX-License-Identifier: AGPL-3.0-or-later
"""The GoCardless simulator: state, app (auth, error envelope) and server.

    sim = GoCardlessSimulator(port=0).start()
    gocardless_pro.Client(access_token="sandbox_...", base_url=sim.url)
    sim.stop()

or from a shell: `seatline simulator gocardless --port 8420 --state var/gocardless.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
from typing import Any

from seatline.simulators.base import webhooks
from seatline.simulators.base.behaviours import install_behaviour_control
from seatline.simulators.base.clock import parse_instant
from seatline.simulators.base.control import install_control
from seatline.simulators.base.dispatch import SimulatorApp
from seatline.simulators.base.server import SimulatorServer, common_arguments, serve
from seatline.simulators.base.state import BaseState
from seatline.simulators.base.web import Request, Response
from seatline.simulators.gocardless import api, lifecycle  # noqa: F401  (imported for their routes)
from seatline.simulators.gocardless.common import DELIVERER, ROUTER, GoCardlessError, flush_events, new_id

DEFAULT_WEBHOOK_SECRET = "gocardless-simulator-secret"


class GoCardlessState(BaseState):
    def fresh(self, now: dt.datetime) -> dict[str, Any]:
        data = super().fresh(now)
        data.update(
            config={"access_token": ""},  # "": any bearer token is accepted
            customers={},
            bank_accounts={},
            account_behaviour={},
            mandates={},
            billing_requests={},
            flows={},
            payments={},
            refunds={},
            events={},
            unsent_events=[],
            intrinsic={},
            behaviours={},
            idempotency={},
            webhooks=[],
            webhook_config=webhooks.fresh_config(DEFAULT_WEBHOOK_SECRET),
        )
        return data


class GoCardlessApp(SimulatorApp):
    name = "gocardless"
    router = ROUTER

    def bad_request(self, message: str) -> GoCardlessError:
        return GoCardlessError(
            400, "invalid_api_usage", message, [{"reason": "invalid_document_structure", "message": message}]
        )

    def not_found(self, request: Request) -> GoCardlessError:
        return GoCardlessError(
            404,
            "invalid_api_usage",
            "Resource not found",
            [{"reason": "path_not_found", "message": f"{request.path} not found"}],
        )

    def method_not_allowed(self, request: Request) -> GoCardlessError:
        return GoCardlessError(
            405,
            "invalid_api_usage",
            "Method not allowed",
            [{"reason": "method_not_allowed", "message": request.method}],
        )

    def internal_error(self) -> GoCardlessError:
        return GoCardlessError(500, "gocardless", "Internal server error")

    def fault_error(self, fault: dict[str, Any]) -> GoCardlessError:
        status = fault["status"]
        headers = {"Retry-After": str(fault["retryAfter"])} if fault.get("retryAfter") is not None else {}
        if status == 429:
            return GoCardlessError(
                429,
                "invalid_api_usage",
                "Rate limit exceeded",
                [{"reason": "rate_limit_exceeded", "message": "Rate limit exceeded"}],
                headers,
            )
        return GoCardlessError(status, "gocardless", f"Injected fault: HTTP {status}.", headers=headers)

    def authenticate(self, request: Request) -> None:
        if request.path.startswith("/_sim/"):
            return
        token = (request.header("Authorization") or "").removeprefix("Bearer ").strip()
        expected = request.state.config.get("access_token") or ""
        if not token or (expected and token != expected):
            raise GoCardlessError(
                401,
                "invalid_api_usage",
                "Access token not found",
                [{"reason": "access_token_not_found", "message": "Access token not found"}],
            )

    def finish(self, request: Request, response: Response) -> Response:
        response.headers.setdefault("X-Request-Id", new_id("RQ"))
        response.content_type = "application/json"
        return response

    def before_save(self, state: Any) -> None:
        flush_events(state)

    def after_save(self, state: Any) -> None:
        DELIVERER.deliver_in_background(state)


APP = GoCardlessApp()
install_control(ROUTER, advance=lifecycle.advance_to, config_types={"access_token": str})
install_behaviour_control(ROUTER)
webhooks.install_webhook_control(
    ROUTER, DELIVERER, lambda ident: GoCardlessError(404, "invalid_api_usage", f"No webhook {ident}")
)


class GoCardlessSimulator(SimulatorServer):
    """A GoCardless look-alike on a local port (`gocardless_pro.Client(base_url=sim.url)`)."""

    app = APP
    server_version = "GoCardlessSimulator/1.0"
    thread_name = "gocardless-simulator"

    def __init__(
        self,
        state_path: pathlib.Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        start_time: dt.datetime | None = None,
    ) -> None:
        super().__init__(
            GoCardlessState(pathlib.Path(state_path) if state_path else None, start_time), host, port
        )

    def start(self) -> GoCardlessSimulator:
        super().start()
        return self


def main(argv: list[str] | None = None) -> int:
    parser = common_arguments(
        argparse.ArgumentParser(prog="gocardless-simulator", description="Run the GoCardless simulator."),
        8420,
    )
    args = parser.parse_args(argv)
    start = parse_instant(args.start_time) if args.start_time else None
    sim = GoCardlessSimulator(args.state, host=args.host, port=args.port, start_time=start)
    return serve(sim, f"GoCardless simulator on {sim.url} (API {sim.url}/, control {sim.url}/_sim)")


if __name__ == "__main__":
    raise SystemExit(main())
