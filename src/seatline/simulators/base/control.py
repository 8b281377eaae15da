# SPDX-License-Identifier: AGPL-3.0-or-later
"""The `/_sim/...` control API every simulator has (no authentication).

* `GET /_sim/clock` -> `{"now"}`; `POST /_sim/clock {"now": "<ISO>"}` or `{"advance": "P3D" | "PT5H"}`
  moves the clock forward running due jobs in order -> `{"now", "jobsRun"}`.
* `POST /_sim/faults {"route": "POST /v1/payment_intents", "status": 500, "retry_after": 1, "count": 2}`
  answers the next `count` matching requests with `status` (the vendor's error body, `Retry-After`
  when given; status 202 runs the request and answers 202; `"hold": 5` runs the request and
  answers normally 5 s later). `{"clear": true}` removes every fault;
  a simulator may add boolean switches (`flags`). `GET /_sim/faults` lists them.
* `POST /_sim/config {...}` sets keys of the simulator's config (typed); `GET /_sim/config`.
* `POST /_sim/reset` empties every store (clock back to the start time).
* `GET /_sim/state` dumps everything (debugging).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from seatline.simulators.base.clock import fmt_instant, parse_duration, parse_instant
from seatline.simulators.base.errors import InvalidBody
from seatline.simulators.base.faults import fault_pattern
from seatline.simulators.base.web import Request, Response, Router

Advance = Callable[[Any, dt.datetime], int]
ConfigCheck = Callable[[dict[str, Any]], None]


def json_object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise InvalidBody("The request body must be a JSON object.")
    return body


def advance_plainly(state: Any, target: dt.datetime) -> int:
    """A clock without jobs: it only refuses to go backwards."""
    if target < state.now():
        raise ValueError("the simulator clock can't move backwards (use POST /_sim/reset)")
    state.set_now(target)
    return 0


def typed_config(body: dict[str, Any], config_types: dict[str, type]) -> dict[str, Any]:
    """Validated config updates (raises InvalidBody naming the key)."""
    updates: dict[str, Any] = {}
    for key, value in body.items():
        kind = config_types.get(key)
        if kind is None:
            raise InvalidBody(f"Unknown config key {key!r}; known: {', '.join(config_types)}.")
        if kind is Decimal:
            try:
                number = Decimal(str(value))
            except InvalidOperation as exc:
                raise InvalidBody(f"{key} must be a decimal number.") from exc
            if isinstance(value, bool) or not number.is_finite() or number < 0:
                raise InvalidBody(f"{key} must be a non-negative decimal number.")
            updates[key] = number
        elif kind is bool:
            if not isinstance(value, bool):
                raise InvalidBody(f"{key} must be true or false.")
            updates[key] = value
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidBody(f"{key} must be a non-negative integer.")
            updates[key] = value
        elif kind is list:
            if not isinstance(value, list):
                raise InvalidBody(f"{key} must be a list.")
            updates[key] = value
        else:
            if not isinstance(value, str):
                raise InvalidBody(f"{key} must be a string.")
            updates[key] = value
    return updates


def install_control(
    router: Router,
    *,
    advance: Advance = advance_plainly,
    config_types: dict[str, type] | None = None,
    check_config: ConfigCheck | None = None,
    flags: tuple[str, ...] = (),
) -> None:
    """Register the `/_sim/` clock, faults, config, reset and state routes on `router`."""
    types = config_types or {}

    @router.route("GET", "/_sim/clock")
    def get_clock(request: Request) -> Response:
        return Response(200, {"now": fmt_instant(request.state.now())})

    @router.route("POST", "/_sim/clock")
    def move_clock(request: Request) -> Response:
        state = request.state
        body = json_object(request)
        try:
            if "now" in body:
                target = parse_instant(body["now"])
            elif "advance" in body:
                target = state.now() + parse_duration(body["advance"])
            else:
                raise InvalidBody('Send {"now": "<ISO 8601>"} or {"advance": "<ISO 8601 duration>"}.')
            jobs = advance(state, target)
        except InvalidBody:
            raise
        except ValueError as exc:
            raise InvalidBody(str(exc)) from exc
        return Response(200, {"now": fmt_instant(state.now()), "jobsRun": jobs})

    def faults_view(state: Any) -> dict[str, Any]:
        return {"faults": state.data["faults"], **{flag: state.data[flag] for flag in flags}}

    @router.route("GET", "/_sim/faults")
    def list_faults(request: Request) -> Response:
        return Response(200, faults_view(request.state))

    @router.route("POST", "/_sim/faults")
    def add_fault(request: Request) -> Response:
        state = request.state
        body = json_object(request)
        if body.get("clear"):
            state.data["faults"] = []
        for flag in flags:
            if flag in body:
                state.data[flag] = bool(body[flag])
        if "route" in body:
            status, count = body.get("status", 429), body.get("count", 1)
            retry_after, hold = body.get("retry_after"), body.get("hold")
            if not isinstance(body["route"], str) or not isinstance(status, int) or not 200 <= status <= 599:
                raise InvalidBody("route must be 'METHOD /path/with/*' and status an HTTP status.")
            if not isinstance(count, int) or count < 1:
                raise InvalidBody("count must be a positive integer.")
            if retry_after is not None and not isinstance(retry_after, int | float):
                raise InvalidBody("retry_after must be a number of seconds.")
            if hold is not None and (not isinstance(hold, int | float) or not 0 < hold <= 60):
                raise InvalidBody("hold must be a number of seconds (at most 60).")
            fault_pattern(body["route"])
            fault = {"route": body["route"], "status": status, "retryAfter": retry_after, "remaining": count}
            if hold:
                fault["hold"] = hold
            state.data["faults"].append(fault)
        return Response(200, faults_view(state))

    @router.route("GET", "/_sim/config")
    def get_config(request: Request) -> Response:
        return Response(200, request.state.config)

    @router.route("POST", "/_sim/config")
    def set_config(request: Request) -> Response:
        state = request.state
        updates = typed_config(json_object(request), types)
        if check_config is not None:
            check_config(updates)
        state.config.update(updates)
        return Response(200, state.config)

    @router.route("POST", "/_sim/reset")
    def reset(request: Request) -> Response:
        request.state.reset()
        return Response(200, {"now": fmt_instant(request.state.now())})

    @router.route("GET", "/_sim/state")
    def dump_state(request: Request) -> Response:
        return Response(200, request.state.data)
