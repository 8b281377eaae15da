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
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from seatline.simulators.partner_center import scheduler
from seatline.simulators.partner_center.clock import fmt_instant, parse_duration, parse_instant
from seatline.simulators.partner_center.errors import bad_request
from seatline.simulators.partner_center.state import CONFIG_TYPES, ROUNDING_MODES
from seatline.simulators.partner_center.web import Request, Response, route


def _object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


@route("GET", "/_sim/clock")
def get_clock(request: Request) -> Response:
    return Response(200, {"now": fmt_instant(request.state.now())})


@route("POST", "/_sim/clock")
def move_clock(request: Request) -> Response:
    state = request.state
    body = _object(request)
    try:
        if "now" in body:
            target = parse_instant(body["now"])
        elif "advance" in body:
            target = state.now() + parse_duration(body["advance"])
        else:
            raise bad_request('Send {"now": "<ISO 8601>"} or {"advance": "<ISO 8601 duration>"}.')
        jobs = scheduler.advance_to(state, target)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    return Response(200, {"now": fmt_instant(state.now()), "jobsRun": jobs})


def fault_pattern(route_text: str) -> tuple[str, re.Pattern[str]]:
    method, _, path = route_text.strip().partition(" ")
    if not path:
        method, path = "*", method
    parts = [re.escape(part) if part != "*" else "[^/]+" for part in path.strip().split("/")]
    return method.upper(), re.compile("^" + "/".join(parts) + "/?$", re.IGNORECASE)


@route("GET", "/_sim/faults")
def list_faults(request: Request) -> Response:
    return Response(
        200,
        {
            "faults": request.state.data["faults"],
            "delay_provisioning": request.state.data["delay_provisioning"],
        },
    )


@route("POST", "/_sim/faults")
def add_fault(request: Request) -> Response:
    state = request.state
    body = _object(request)
    if body.get("clear"):
        state.data["faults"] = []
    if "delay_provisioning" in body:
        state.data["delay_provisioning"] = bool(body["delay_provisioning"])
    if "route" in body:
        status, count = body.get("status", 429), body.get("count", 1)
        retry_after = body.get("retry_after")
        if not isinstance(body["route"], str) or not isinstance(status, int) or not 200 <= status <= 599:
            raise bad_request("route must be 'METHOD /path/with/*' and status an HTTP status.")
        if not isinstance(count, int) or count < 1:
            raise bad_request("count must be a positive integer.")
        if retry_after is not None and not isinstance(retry_after, int | float):
            raise bad_request("retry_after must be a number of seconds.")
        fault_pattern(body["route"])
        state.data["faults"].append(
            {"route": body["route"], "status": status, "retryAfter": retry_after, "remaining": count}
        )
    return Response(
        200, {"faults": state.data["faults"], "delay_provisioning": state.data["delay_provisioning"]}
    )


@route("GET", "/_sim/config")
def get_config(request: Request) -> Response:
    return Response(200, request.state.config)


@route("POST", "/_sim/config")
def set_config(request: Request) -> Response:
    state = request.state
    body = _object(request)
    updates: dict[str, Any] = {}
    for key, value in body.items():
        kind = CONFIG_TYPES.get(key)
        if kind is None:
            raise bad_request(f"Unknown config key {key!r}; known: {', '.join(CONFIG_TYPES)}.")
        if kind is Decimal:
            try:
                number = Decimal(str(value))
            except InvalidOperation as exc:
                raise bad_request(f"{key} must be a decimal number.") from exc
            if isinstance(value, bool) or not number.is_finite() or number < 0:
                raise bad_request(f"{key} must be a non-negative decimal number.")
            updates[key] = number
        elif kind is bool:
            if not isinstance(value, bool):
                raise bad_request(f"{key} must be true or false.")
            updates[key] = value
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad_request(f"{key} must be a non-negative integer.")
            updates[key] = value
        else:
            updates[key] = value
    if "rounding" in updates and updates["rounding"] not in ROUNDING_MODES:
        raise bad_request(f"rounding must be one of {', '.join(ROUNDING_MODES)}.")
    if updates.get("page_size") == 0:
        raise bad_request("page_size must be at least 1.")
    state.config.update(updates)
    return Response(200, state.config)


@route("POST", "/_sim/reset")
def reset(request: Request) -> Response:
    request.state.reset()
    return Response(200, {"now": fmt_instant(request.state.now())})


@route("GET", "/_sim/state")
def dump_state(request: Request) -> Response:
    return Response(200, request.state.data)
