# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Authorize.Net simulator: state, the XML endpoint, webhooks and server.

    sim = AuthorizeNetSimulator(port=0).start()
    controller.setenvironment(sim.url + "/xml/v1/request.api")
    sim.stop()

or from a shell: `seatline simulator authorizenet --port 8430 --state var/authorizenet.json`.

Webhooks are signed like Authorize.Net's: `X-ANET-Signature: sha512=<HEX HMAC-SHA512 of the body
with the Signature Key>`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import pathlib
import xml.etree.ElementTree as ET
from typing import Any

from seatline.simulators.authorizenet import api
from seatline.simulators.authorizenet.xmlio import messages, parse, render
from seatline.simulators.base import webhooks
from seatline.simulators.base.behaviours import install_behaviour_control
from seatline.simulators.base.clock import parse_instant
from seatline.simulators.base.control import install_control
from seatline.simulators.base.dispatch import SimulatorApp
from seatline.simulators.base.errors import SimError
from seatline.simulators.base.server import SimulatorServer, common_arguments, serve
from seatline.simulators.base.state import BaseState
from seatline.simulators.base.web import Request, Response, Router

ROUTER = Router()
DEFAULT_SIGNATURE_KEY = "0123456789ABCDEF" * 8  # 128 hex characters, like a real Signature Key
XML = "application/xml; charset=utf-8"


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha512).hexdigest().upper()
    return {"X-ANET-Signature": f"sha512={digest}"}


DELIVERER = webhooks.Deliverer(sign)


class AuthorizeNetState(BaseState):
    def fresh(self, now: dt.datetime) -> dict[str, Any]:
        data = super().fresh(now)
        data.update(
            config={"login_id": "", "transaction_key": ""},  # "": any non-empty credentials are accepted
            customer_profiles={},
            payment_profiles={},
            transactions={},
            intrinsic={},
            behaviours={},
            webhooks=[],
            webhook_config=webhooks.fresh_config(DEFAULT_SIGNATURE_KEY),
        )
        return data


@ROUTER.route("POST", "/xml/v1/request.api")
def request_api(request: Request) -> Response:
    try:
        root, body = parse(request.body)
    except (ET.ParseError, UnicodeDecodeError):
        return Response(
            200,
            raw=render("ErrorResponse", [messages(False, "E00003", "The XML is not well formed.")]),
            content_type=XML,
        )
    return Response(
        200, raw=api.handle(request.state, root, body if isinstance(body, dict) else {}), content_type=XML
    )


class AuthorizeNetApp(SimulatorApp):
    name = "authorize.net"
    router = ROUTER

    def fault_error(self, fault: dict[str, Any]) -> SimError:
        return SimError(fault["status"], f"Injected fault: HTTP {fault['status']}.")

    def after_save(self, state: Any) -> None:
        DELIVERER.deliver_in_background(state)


APP = AuthorizeNetApp()
install_control(ROUTER, config_types={"login_id": str, "transaction_key": str})
install_behaviour_control(ROUTER)
webhooks.install_webhook_control(ROUTER, DELIVERER, lambda ident: SimError(404, f"No notification {ident}"))


class AuthorizeNetSimulator(SimulatorServer):
    """An Authorize.Net look-alike on a local port (`setenvironment(sim.url + "/xml/v1/request.api")`)."""

    app = APP
    server_version = "AuthorizeNetSimulator/1.0"
    thread_name = "authorizenet-simulator"

    def __init__(
        self,
        state_path: pathlib.Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        start_time: dt.datetime | None = None,
    ) -> None:
        super().__init__(
            AuthorizeNetState(pathlib.Path(state_path) if state_path else None, start_time), host, port
        )

    @property
    def api_url(self) -> str:
        return f"{self.url}/xml/v1/request.api"

    def start(self) -> AuthorizeNetSimulator:
        super().start()
        return self


def main(argv: list[str] | None = None) -> int:
    parser = common_arguments(
        argparse.ArgumentParser(
            prog="authorizenet-simulator", description="Run the Authorize.Net simulator."
        ),
        8430,
    )
    args = parser.parse_args(argv)
    start = parse_instant(args.start_time) if args.start_time else None
    sim = AuthorizeNetSimulator(args.state, host=args.host, port=args.port, start_time=start)
    return serve(sim, f"Authorize.Net simulator on {sim.url} (API {sim.api_url}, control {sim.url}/_sim)")


if __name__ == "__main__":
    raise SystemExit(main())
