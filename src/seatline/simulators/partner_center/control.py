# SPDX-License-Identifier: AGPL-3.0-or-later
"""The `/_sim/...` control API (no authentication): clock, faults, config, reset, state dump.

* `GET /_sim/clock` -> `{"now"}`; `POST /_sim/clock {"now": "<ISO>"}` or `{"advance": "P3D" | "PT5H"}`
  moves the clock forward running due jobs in order -> `{"now", "jobsRun"}`.
* `POST /_sim/faults {"route": "PATCH /v1/customers/*/subscriptions/*", "status": 429,
  "retry_after": 1, "count": 2}` answers the next `count` matching requests with `status` (error
  body, `Retry-After` header when given; status 202 instead runs the request and answers 202 +
  `Location`). `{"delay_provisioning": true|false}` switches delayed provisioning;
  `{"clear": true}` removes every fault. `GET /_sim/faults` lists them.
* `POST /_sim/config {...}` sets any of `state.DEFAULT_CONFIG`'s keys; `GET /_sim/config`.
* `POST /_sim/reset` empties every store (clock back to the start time).
* `GET /_sim/state` dumps everything (debugging).

The routes are the shared ones of `seatline.simulators.base.control`, with the Partner Center
clock jobs (`scheduler.advance_to`), config keys and the `delay_provisioning` switch.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from seatline.simulators.base.control import install_control, json_object
from seatline.simulators.base.errors import InvalidBody
from seatline.simulators.base.faults import fault_pattern
from seatline.simulators.partner_center import documents, ledger, scheduler
from seatline.simulators.partner_center.clock import parse_day
from seatline.simulators.partner_center.state import CONFIG_TYPES, ROUNDING_MODES
from seatline.simulators.partner_center.web import ROUTER, Request, Response, route

__all__ = ["fault_pattern"]


def _check_config(updates: dict[str, Any]) -> None:
    if "rounding" in updates and updates["rounding"] not in ROUNDING_MODES:
        raise InvalidBody(f"rounding must be one of {', '.join(ROUNDING_MODES)}.")
    if updates.get("page_size") == 0:
        raise InvalidBody("page_size must be at least 1.")


install_control(
    ROUTER,
    advance=scheduler.advance_to,
    config_types=CONFIG_TYPES,
    check_config=_check_config,
    flags=("delay_provisioning",),
)


def _decimal(body: dict[str, Any], key: str) -> Decimal:
    try:
        value = Decimal(str(body[key]))
    except (KeyError, InvalidOperation) as exc:
        raise InvalidBody(f"{key} must be a decimal number.") from exc
    if not value.is_finite():
        raise InvalidBody(f"{key} must be a decimal number.")
    return value


@route("POST", "/_sim/usage")
def post_usage(request: Request) -> Response:
    """Daily rated usage of an Azure plan: `{"subscriptionId", "usageDate": "YYYY-MM-DD", "quantity",
    "unitPrice", "meterName"?, "meterCategory"?}` -> the DailyRatedUsageLineItem row."""
    body = json_object(request)
    try:
        usage_date = parse_day(str(body["usageDate"]))
    except (KeyError, ValueError) as exc:
        raise InvalidBody("usageDate must be a date (YYYY-MM-DD).") from exc
    row = documents.post_usage(
        request.state,
        subscription_id=str(body.get("subscriptionId") or ""),
        usage_date=usage_date,
        quantity=_decimal(body, "quantity"),
        unit_price=_decimal(body, "unitPrice"),
        meter_name=str(body.get("meterName") or "D2 v3"),
        meter_category=str(body.get("meterCategory") or "Virtual Machines"),
    )
    return Response(201, row)


@route("POST", "/_sim/credit-note")
def post_credit_note(request: Request) -> Response:
    """`{"invoiceId", "dropSubscriptionId"?}`: a credit note for the whole invoice and a corrected
    invoice (without that subscription's rows), both published now -> `{creditNote, corrected}`."""
    body = json_object(request)
    note, corrected = documents.credit_and_correct(
        request.state,
        str(body.get("invoiceId") or "").upper(),
        drop_subscription=body.get("dropSubscriptionId"),
    )
    state = request.state
    return Response(
        201,
        {
            "creditNote": ledger.invoice_resource(state, note, with_pdf=False),
            "corrected": ledger.invoice_resource(state, corrected, with_pdf=False),
        },
    )
