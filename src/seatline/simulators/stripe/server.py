# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Stripe simulator: state, request handling (auth, error envelope, idempotency) and server.

    sim = StripeSimulator(port=0).start()
    stripe.StripeClient("sk_test_...", base_addresses={"api": sim.url})
    sim.stop()

or from a shell: `seatline simulator stripe --port 8410 --state var/stripe.json`.
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
from seatline.simulators.stripe import api_checkout, api_core  # noqa: F401  (imported for their routes)
from seatline.simulators.stripe.events import DELIVERER
from seatline.simulators.stripe.objects import StripeError, new_id
from seatline.simulators.stripe.routes import ROUTER

DEFAULT_WEBHOOK_SECRET = "whsec_seatline_simulator"


class StripeState(BaseState):
    def fresh(self, now: dt.datetime) -> dict[str, Any]:
        data = super().fresh(now)
        data.update(
            config={"api_key": ""},  # "": any sk_test_/rk_test_ key is accepted
            customers={},
            payment_methods={},
            setup_intents={},
            payment_intents={},
            charges={},
            refunds={},
            checkout_sessions={},
            events={},
            intrinsic={},  # payment method id -> behaviour of the test token it came from
            behaviours={},
            idempotency={},
            webhooks=[],
            webhook_config=webhooks.fresh_config(DEFAULT_WEBHOOK_SECRET),
        )
        return data

    def timestamp(self) -> int:
        return int(self.now().timestamp())


class StripeApp(SimulatorApp):
    name = "stripe"
    router = ROUTER

    def bad_request(self, message: str) -> StripeError:
        return StripeError(400, message)

    def not_found(self, request: Request) -> StripeError:
        return StripeError(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    def method_not_allowed(self, request: Request) -> StripeError:
        return self.not_found(request)

    def internal_error(self) -> StripeError:
        return StripeError(500, "An unknown error occurred.", type_="api_error")

    def fault_error(self, fault: dict[str, Any]) -> StripeError:
        status = fault["status"]
        headers = {"Retry-After": str(fault["retryAfter"])} if fault.get("retryAfter") is not None else {}
        if status == 429:
            return StripeError(
                429, "Too many requests hit the API too quickly.", code="rate_limit", headers=headers
            )
        return StripeError(status, f"Injected fault: HTTP {status}.", type_="api_error", headers=headers)

    def authenticate(self, request: Request) -> None:
        if not request.path.startswith("/v1/"):
            return
        header = request.header("Authorization") or ""
        key = header.removeprefix("Bearer ").strip()
        expected = request.state.config.get("api_key") or ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization "
                "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        valid = key == expected if expected else key.startswith(("sk_test_", "rk_test_"))
        if not valid:
            raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * 12}{key[-4:]}")

    def finish(self, request: Request, response: Response) -> Response:
        response.headers.setdefault("Request-Id", new_id("req_", 14))
        if request.header("Stripe-Version"):
            response.headers.setdefault("Stripe-Version", request.header("Stripe-Version") or "")
        return response

    def after_save(self, state: Any) -> None:
        DELIVERER.deliver_in_background(state)


APP = StripeApp()
install_control(ROUTER, config_types={"api_key": str})
install_behaviour_control(ROUTER)
webhooks.install_webhook_control(
    ROUTER, DELIVERER, lambda ident: StripeError(404, f"No such webhook: {ident}")
)


class StripeSimulator(SimulatorServer):
    """A Stripe look-alike on a local port (`base_addresses={"api": sim.url}`)."""

    app = APP
    server_version = "StripeSimulator/1.0"
    thread_name = "stripe-simulator"

    def __init__(
        self,
        state_path: pathlib.Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        start_time: dt.datetime | None = None,
    ) -> None:
        super().__init__(
            StripeState(pathlib.Path(state_path) if state_path else None, start_time), host, port
        )

    def start(self) -> StripeSimulator:
        super().start()
        return self


def main(argv: list[str] | None = None) -> int:
    parser = common_arguments(
        argparse.ArgumentParser(prog="stripe-simulator", description="Run the Stripe simulator."), 8410
    )
    args = parser.parse_args(argv)
    start = parse_instant(args.start_time) if args.start_time else None
    sim = StripeSimulator(args.state, host=args.host, port=args.port, start_time=start)
    return serve(sim, f"Stripe simulator on {sim.url} (API {sim.url}/v1, control {sim.url}/_sim)")


if __name__ == "__main__":
    raise SystemExit(main())
