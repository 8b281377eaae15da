# SPDX-License-Identifier: AGPL-3.0-or-later
"""What time does to mandates and payments, and GoCardless' scenario simulators.

Mandates: `pending_submission` -> `submitted` (next day 00:00) -> `active` (two days later), each
with its event. Payments: `pending_submission` -> `submitted` (00:00 two days before the charge
date, or at once) -> `confirmed` or `failed` (00:00 the day after the charge date; the mandate's
behaviour decides, a failure carries `details.cause`) -> `paid_out` (two days after confirmation).
The clock only moves through `POST /_sim/clock`; `POST /scenario_simulators/{id}/actions/run`
(the real sandbox API: `payment_confirmed`, `payment_failed`, `payment_paid_out`,
`mandate_activated`, `mandate_failed`) moves one resource at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from seatline.simulators.base import behaviours as b
from seatline.simulators.base.clock import midnight, parse_day, parse_instant
from seatline.simulators.base.web import Request, Response
from seatline.simulators.gocardless.common import ROUTER, GoCardlessError, event, get, not_found

# behaviour -> (failure cause, description) of a failed payment
FAILURES: dict[str, tuple[str, str]] = {
    b.INSUFFICIENT_FUNDS: (
        "insufficient_funds",
        "The customer's account had insufficient funds to make this payment.",
    ),
    b.CARD_DECLINED: ("refer_to_payer", "The customer's bank wasn't able to pay the Direct Debit."),
    b.EXPIRED_CARD: ("mandate_expired", "The mandate for this payment had expired."),
    b.AUTHENTICATION_REQUIRED: (
        "authorisation_disputed",
        "The customer disputes having authorised this mandate.",
    ),
    b.PROCESSING_ERROR: ("other", "The payment failed; the bank gave no reason."),
}


def mandate_behaviour(state: Any, mandate_id: str) -> str:
    return b.behaviour_of(state, mandate_id, state.data["intrinsic"].get(mandate_id, b.SUCCEED))


def set_mandate(state: Any, mandate: dict[str, Any], status: str) -> None:
    mandate["status"] = status
    event(state, "mandates", status, {"mandate": mandate["id"]})


def set_payment(
    state: Any, payment: dict[str, Any], status: str, details: dict[str, Any] | None = None
) -> None:
    payment["status"] = status
    event(
        state, "payments", status, {"payment": payment["id"], "mandate": payment["links"]["mandate"]}, details
    )


def fail_payment(state: Any, payment: dict[str, Any], behaviour: str) -> None:
    cause, description = FAILURES.get(behaviour, FAILURES[b.PROCESSING_ERROR])
    set_payment(
        state,
        payment,
        "failed",
        {"origin": "bank", "cause": cause, "description": description, "scheme": payment["scheme"]},
    )


def settle_payment(state: Any, payment: dict[str, Any]) -> None:
    behaviour = mandate_behaviour(state, payment["links"]["mandate"])
    if payment["status"] == "pending_submission":
        set_payment(state, payment, "submitted")
    if behaviour == b.SUCCEED:
        set_payment(state, payment, "confirmed")
    else:
        fail_payment(state, payment, behaviour)


Job = tuple[dt.datetime, str, Callable[[], None]]


def _jobs(state: Any) -> list[Job]:
    jobs: list[Job] = []
    for mandate in state.data["mandates"].values():
        created = parse_instant(mandate["created_at"])
        if mandate["status"] == "pending_submission":
            jobs.append(
                (
                    midnight(created.date() + dt.timedelta(days=1)),
                    mandate["id"],
                    lambda m=mandate: set_mandate(state, m, "submitted"),
                )
            )
        elif mandate["status"] == "submitted":
            jobs.append(
                (
                    midnight(created.date() + dt.timedelta(days=3)),
                    mandate["id"],
                    lambda m=mandate: set_mandate(state, m, "active"),
                )
            )
    for payment in state.data["payments"].values():
        charge_day = parse_day(payment["charge_date"])
        if payment["status"] == "pending_submission":
            at = max(midnight(charge_day - dt.timedelta(days=2)), parse_instant(payment["created_at"]))
            jobs.append((at, payment["id"], lambda p=payment: set_payment(state, p, "submitted")))
        elif payment["status"] == "submitted":
            jobs.append(
                (
                    midnight(charge_day + dt.timedelta(days=1)),
                    payment["id"],
                    lambda p=payment: settle_payment(state, p),
                )
            )
        elif payment["status"] == "confirmed":
            jobs.append(
                (
                    midnight(charge_day + dt.timedelta(days=3)),
                    payment["id"],
                    lambda p=payment: set_payment(state, p, "paid_out"),
                )
            )
    return jobs


def advance_to(state: Any, target: dt.datetime) -> int:
    """Run every transition due at or before `target` in time order; returns how many ran."""
    if target < state.now():
        raise ValueError("the simulator clock can't move backwards (use POST /_sim/reset)")
    count = 0
    while True:
        jobs = [job for job in _jobs(state) if job[0] <= target]
        if not jobs:
            break
        at, _, run = min(jobs, key=lambda job: job[:2])
        state.set_now(max(at, state.now()))
        run()
        count += 1
    state.set_now(target)
    return count


SCENARIOS = ("payment_confirmed", "payment_failed", "payment_paid_out", "mandate_activated", "mandate_failed")


@ROUTER.route("POST", "/scenario_simulators/{identity}/actions/run")
def run_scenario(request: Request, identity: str) -> Response:
    state = request.state
    if identity not in SCENARIOS:
        raise not_found("scenario simulator")
    body = request.json()
    resource_id = (
        ((body.get("data") or {}).get("links") or {}).get("resource") if isinstance(body, dict) else None
    )
    if not isinstance(resource_id, str):
        raise GoCardlessError(
            422,
            "validation_failed",
            "Validation failed",
            [
                {
                    "field": "links",
                    "message": "resource is required",
                    "request_pointer": "/data/links/resource",
                }
            ],
        )
    if identity.startswith("payment_"):
        payment = get(state, "payments", resource_id, "payment")
        if payment["status"] in ("pending_submission", "submitted") and identity in (
            "payment_confirmed",
            "payment_paid_out",
        ):
            if payment["status"] == "pending_submission":
                set_payment(state, payment, "submitted")
            set_payment(state, payment, "confirmed")
        if identity == "payment_paid_out" and payment["status"] == "confirmed":
            set_payment(state, payment, "paid_out")
        if identity == "payment_failed" and payment["status"] in ("pending_submission", "submitted"):
            if payment["status"] == "pending_submission":
                set_payment(state, payment, "submitted")
            behaviour = mandate_behaviour(state, payment["links"]["mandate"])
            fail_payment(state, payment, behaviour if behaviour != b.SUCCEED else b.INSUFFICIENT_FUNDS)
    else:
        mandate = get(state, "mandates", resource_id, "mandate")
        if mandate["status"] in ("pending_submission", "submitted"):
            set_mandate(state, mandate, "active" if identity == "mandate_activated" else "failed")
    return Response(200, {"scenario_simulators": {"id": identity}})
