# SPDX-License-Identifier: AGPL-3.0-or-later
"""Moving the clock: every job due up to the target instant runs in time order.

Jobs: completion of delayed orders; `cycleCharge` rows at each later charge-cycle start (00:00 UTC);
renewals / expiries at 00:00 UTC after `commitmentEndDate`; month close at 00:00 UTC on the 1st.
The clock stands at each job's instant while it runs, so rows carry the right `orderDate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from seatline.simulators.partner_center import ledger, rules
from seatline.simulators.partner_center.api_commerce import provision_order
from seatline.simulators.partner_center.catalog import normalise_cycle
from seatline.simulators.partner_center.clock import (
    first_of_next_month,
    fmt_instant,
    midnight,
    parse_day,
    parse_instant,
)
from seatline.simulators.partner_center.state import SimState, new_etag, new_id


def renewal_due(sub: dict[str, Any]) -> dt.datetime | None:
    if not rules.is_nce(sub) or sub["status"] not in rules.LIVE:
        return None
    return midnight(parse_day(sub["termEnd"]) + dt.timedelta(days=1))


def renew_or_expire(state: SimState, sub: dict[str, Any], at: dt.datetime) -> None:
    """At 00:00 UTC after commitmentEndDate: renew (auto-renew on, active) or expire."""
    if not (sub["status"] == "active" and sub["autoRenewEnabled"]):
        sub.update(status="expired", autoRenewEnabled=False, lots=[], nextCycleStart=None, scheduled=None)
        sub["etag"] = new_etag()
        return
    start = parse_day(sub["termEnd"]) + dt.timedelta(days=1)
    instructions = sub["scheduled"]
    if instructions:
        product = instructions["product"]
        sub["offerId"] = f"{product['productId']}:{product['skuId']}:{product['availabilityId']}"
        sub["termDuration"] = product["termDuration"]
        sub["billingCycle"] = normalise_cycle(product["billingCycle"])
        sub["quantity"] = instructions["quantity"]
    custom_end = (instructions or {}).get("customTermEndDate")
    end = parse_day(custom_end) if custom_end else ledger.term_end(start, sub["termDuration"])
    sub.update(
        termStart=start.isoformat(),
        termEnd=end.isoformat(),
        windowStart=fmt_instant(at),
        lots=[{"quantity": sub["quantity"], "allowedUntil": fmt_instant(at + rules.WINDOW)}],
        scheduled=None,
        renewedAt=fmt_instant(at),
        etag=new_etag(),
    )
    rules.set_next_cycle(sub, start)
    ledger.post_charge(
        state,
        sub,
        rules.offer_of(sub),
        charge_type="renew",
        at=at,
        quantity=sub["quantity"],
        charge_start=start,
        reference_id=new_id(),
    )


def cycle_due(sub: dict[str, Any]) -> dt.datetime | None:
    if not sub["nextCycleStart"] or sub["status"] not in rules.LIVE:
        return None
    return midnight(parse_day(sub["nextCycleStart"]))


def post_cycle_charge(state: SimState, sub: dict[str, Any], at: dt.datetime) -> None:
    """Monthly (or yearly, for P3Y annual) charge at the start of each later charge cycle."""
    start = parse_day(sub["nextCycleStart"])
    ledger.post_charge(
        state,
        sub,
        rules.offer_of(sub),
        charge_type="cycleCharge",
        at=at,
        quantity=sub["quantity"],
        charge_start=start,
        reference_id=new_id(),
    )
    rules.set_next_cycle(sub, start)


# Same-instant order: provisioning, cycle charges, renewals, then the month close.
_ORDER, _CYCLE, _RENEWAL, _CLOSE = range(4)
Job = tuple[dt.datetime, int, str, Callable[[dt.datetime], None]]


def _next_job(state: SimState) -> Job | None:
    jobs: list[Job] = []
    for order_id, entry in state.data["orders"].items():
        if entry.get("completeAt"):
            jobs.append(
                (
                    parse_instant(entry["completeAt"]),
                    _ORDER,
                    order_id,
                    lambda at, o=order_id: provision_order(state, o, at),
                )
            )
    for sub_id, sub in state.data["subscriptions"].items():
        cycle_at = cycle_due(sub)
        if cycle_at:
            jobs.append((cycle_at, _CYCLE, sub_id, lambda at, s=sub: post_cycle_charge(state, s, at)))
        renewal_at = renewal_due(sub)
        if renewal_at:
            jobs.append((renewal_at, _RENEWAL, sub_id, lambda at, s=sub: renew_or_expire(state, s, at)))

    def close(at: dt.datetime) -> None:
        ledger.close_month(state, at)
        state.data["next_month_close"] = fmt_instant(first_of_next_month(at))

    jobs.append((parse_instant(state.data["next_month_close"]), _CLOSE, "", close))
    return min(jobs, key=lambda job: job[:3]) if jobs else None


def advance_to(state: SimState, target: dt.datetime) -> int:
    """Run every job due at or before `target`, then stop the clock at `target`; returns the job count."""
    if target < state.now():
        raise ValueError("the simulator clock can't move backwards (use POST /_sim/reset)")
    count = 0
    while True:
        job = _next_job(state)
        if job is None or job[0] > target:
            break
        at, _, _, run = job
        state.set_now(max(at, state.now()))
        run(at)
        count += 1
    state.set_now(target)
    return count
