# SPDX-License-Identifier: AGPL-3.0-or-later
"""Test payment behaviours shared by the payment simulators, settable through `/_sim/behaviours`.

Every simulated payment method (a Stripe PaymentMethod, a GoCardless mandate, an Authorize.Net
payment profile) has a behaviour: what a charge against it does. It comes from the test token or
test account it was made from, and can be changed later:

* `GET /_sim/behaviours` -> `{"behaviours": [...], "overrides": {token: behaviour}}`
* `POST /_sim/behaviours {"token": "<payment method / mandate / profile id>", "behaviour": "card_declined"}`
  (`"behaviour": null` removes the override).
"""

from __future__ import annotations

from typing import Any

from seatline.simulators.base.control import json_object
from seatline.simulators.base.errors import InvalidBody
from seatline.simulators.base.web import Request, Response, Router

SUCCEED = "succeed"
CARD_DECLINED = "card_declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
EXPIRED_CARD = "expired_card"
AUTHENTICATION_REQUIRED = "authentication_required"
PROCESSING_ERROR = "processing_error"
BEHAVIOURS = (
    SUCCEED,
    CARD_DECLINED,
    INSUFFICIENT_FUNDS,
    EXPIRED_CARD,
    AUTHENTICATION_REQUIRED,
    PROCESSING_ERROR,
)


def behaviour_of(state: Any, token: str, intrinsic: str) -> str:
    """The behaviour of `token`: its override when one is set, else the one it was made with."""
    overrides: dict[str, str] = state.data.setdefault("behaviours", {})
    return overrides.get(token, intrinsic)


def install_behaviour_control(router: Router) -> None:
    @router.route("GET", "/_sim/behaviours")
    def list_behaviours(request: Request) -> Response:
        return Response(
            200,
            {"behaviours": list(BEHAVIOURS), "overrides": request.state.data.setdefault("behaviours", {})},
        )

    @router.route("POST", "/_sim/behaviours")
    def set_behaviour(request: Request) -> Response:
        body = json_object(request)
        token, behaviour = body.get("token"), body.get("behaviour")
        if not isinstance(token, str) or not token:
            raise InvalidBody("token must name a payment method, mandate or payment profile.")
        overrides = request.state.data.setdefault("behaviours", {})
        if behaviour is None:
            overrides.pop(token, None)
        elif behaviour not in BEHAVIOURS:
            raise InvalidBody(f"behaviour must be one of {', '.join(BEHAVIOURS)}.")
        else:
            overrides[token] = behaviour
        return Response(200, {"behaviours": list(BEHAVIOURS), "overrides": overrides})
