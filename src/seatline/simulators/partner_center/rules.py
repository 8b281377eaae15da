# SPDX-License-Identifier: AGPL-3.0-or-later
"""NCE subscriptions: the internal record, its API rendering and the state rules of 6.3.

Internal record (JSON-ready, in `state.data["subscriptions"]`): `id, customerId, orderId, offerId,
friendlyName, quantity, status, autoRenewEnabled, termDuration, billingCycle (Monthly|Annual|
Triennial|OneTime), creationDate, termStart, termEnd (inclusive dates), windowStart (purchase or
renewal instant: the 168 h windows count from it), lots [{quantity, allowedUntil}], scheduled,
etag, nextCycleStart, renewedAt, suspensionReasons`.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from seatline.simulators.partner_center import ledger
from seatline.simulators.partner_center.catalog import NCE, Offer, find_offer, normalise_cycle
from seatline.simulators.partner_center.clock import (
    fmt_day,
    fmt_instant,
    midnight,
    parse_day,
    parse_instant,
)
from seatline.simulators.partner_center.errors import ApiError, bad_request
from seatline.simulators.partner_center.state import SimState, new_etag, new_id

WINDOW = dt.timedelta(hours=168)
FULL_REFUND = dt.timedelta(hours=24)
LIVE = ("active", "suspended")
IMMUTABLE = (
    "id",
    "offerId",
    "termDuration",
    "billingCycle",
    "creationDate",
    "effectiveStartDate",
    "commitmentEndDate",
    "commitmentEndDateTime",
    "orderId",
    "unitType",
    "billingType",
)
_DATE_FIELDS = {"creationDate", "effectiveStartDate", "commitmentEndDate", "commitmentEndDateTime"}


def offer_of(sub: dict[str, Any]) -> Offer:
    offer = find_offer(sub["offerId"])
    assert offer is not None, sub["offerId"]
    return offer


def is_nce(sub: dict[str, Any]) -> bool:
    return sub["termDuration"] is not None


def create(
    state: SimState,
    *,
    customer_id: str,
    order_id: str,
    offer: Offer,
    term: str | None,
    cycle: str,
    quantity: int,
    friendly_name: str,
    at: dt.datetime,
) -> dict[str, Any]:
    """Provision a subscription at `at` and post its `new` charge row."""
    start = at.date()
    sub: dict[str, Any] = {
        "id": new_id(),
        "customerId": customer_id,
        "orderId": order_id,
        "offerId": offer.catalog_item_id,
        "friendlyName": friendly_name or offer.title,
        "quantity": quantity,
        "status": "active",
        "autoRenewEnabled": term is not None,
        "termDuration": term,
        "billingCycle": cycle,
        "creationDate": fmt_instant(at),
        "termStart": start.isoformat(),
        "termEnd": ledger.term_end(start, term).isoformat() if term else None,
        "windowStart": fmt_instant(at),
        "lots": [{"quantity": quantity, "allowedUntil": fmt_instant(at + WINDOW)}] if term else [],
        "scheduled": None,
        "etag": new_etag(),
        "nextCycleStart": None,
        "renewedAt": None,
        "suspensionReasons": [],
    }
    if term:
        set_next_cycle(sub, start)
    state.data["subscriptions"][sub["id"]] = sub
    if term:
        ledger.post_charge(
            state,
            sub,
            offer,
            charge_type="new",
            at=at,
            quantity=quantity,
            charge_start=start,
            reference_id=new_id(),
        )
    return sub


def set_next_cycle(sub: dict[str, Any], after: dt.date) -> None:
    start = ledger.next_cycle_start(
        parse_day(sub["termStart"]),
        parse_day(sub["termEnd"]),
        sub["termDuration"],
        sub["billingCycle"],
        after,
    )
    sub["nextCycleStart"] = start.isoformat() if start else None


def _live_lots(sub: dict[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    if sub["status"] not in LIVE:
        return []
    return [lot for lot in sub["lots"] if parse_instant(lot["allowedUntil"]) > now]


def render(state: SimState, sub: dict[str, Any]) -> dict[str, Any]:
    """The Subscription resource as GET returns it."""
    now = state.now()
    offer = offer_of(sub)
    base = f"/customers/{sub['customerId']}/subscriptions/{sub['id']}"
    body: dict[str, Any] = {
        "id": sub["id"],
        "entitlementId": sub["id"],
        "offerId": sub["offerId"],
        "offerName": offer.title,
        "friendlyName": sub["friendlyName"],
        "productType": {"id": offer.product_type, "displayName": offer.product_type},
        "quantity": sub["quantity"],
        "unitType": "Usage-based" if offer.is_usage else "Licenses",
        "hasPurchasableAddons": False,
        "creationDate": sub["creationDate"],
        "effectiveStartDate": sub["windowStart"],
        "status": sub["status"],
        "autoRenewEnabled": sub["autoRenewEnabled"],
        "isTrial": False,
        "billingType": "usage" if offer.is_usage else "license",
        "billingCycle": sub["billingCycle"].lower(),
        "termDuration": sub["termDuration"],
        "isMicrosoftProduct": True,
        "publisherName": "Microsoft Corporation",
        "partnerId": "",
        "contractType": "subscription",
        "suspensionReasons": list(sub["suspensionReasons"]),
        "orderId": sub["orderId"],
        "links": {
            "product": {"uri": f"/products/{offer.product_id}?country=US", "method": "GET", "headers": []},
            "sku": {
                "uri": f"/products/{offer.product_id}/skus/{offer.sku_id}?country=US",
                "method": "GET",
                "headers": [],
            },
            "availability": {
                "uri": f"/products/{offer.product_id}/skus/{offer.sku_id}/availabilities/{offer.availability_id}?country=US",
                "method": "GET",
                "headers": [],
            },
            "self": {"uri": base, "method": "GET", "headers": []},
        },
        "attributes": {"etag": sub["etag"], "objectType": "Subscription"},
    }
    if not is_nce(sub):
        body["actions"] = ["edit"]
        return body
    term_start, term_last = parse_day(sub["termStart"]), parse_day(sub["termEnd"])
    _, cycle_end = ledger.cycle_bounds(
        term_start, term_last, sub["termDuration"], sub["billingCycle"], now.date()
    )
    window_start = parse_instant(sub["windowStart"])
    refund_options = []
    if sub["status"] in LIVE:
        if state.config["full_refund_24h"] and now < window_start + FULL_REFUND:
            refund_options.append({"type": "Full", "expiresAt": fmt_instant(window_start + FULL_REFUND)})
        if now < window_start + WINDOW:
            refund_options.append({"type": "Partial", "expiresAt": fmt_instant(window_start + WINDOW)})
    lots = _live_lots(sub, now)
    scheduled = sub["scheduled"]
    body.update(
        {
            "commitmentEndDate": fmt_day(term_last),
            "commitmentEndDateTime": f"{term_last.isoformat()}T23:59:59Z",
            "cancellationAllowedUntilDate": fmt_instant(window_start + WINDOW),
            "billingCycleEndDate": fmt_day(cycle_end),
            "billingCycleEndDateTime": f"{cycle_end.isoformat()}T23:59:59Z",
            "renewalTermDuration": (scheduled or {}).get("product", {}).get("termDuration")
            or sub["termDuration"],
            "refundOptions": refund_options,
            "refundableQuantity": {
                "totalQuantity": sum(lot["quantity"] for lot in lots),
                "details": [
                    {"quantity": lot["quantity"], "allowedUntilDateTime": lot["allowedUntil"]} for lot in lots
                ],
            },
            "actions": ["edit", "cancel"] if refund_options else ["edit"],
        }
    )
    if scheduled:
        body["scheduledNextTermInstructions"] = copy.deepcopy(scheduled)
    return body


# -- PATCH -------------------------------------------------------------------------------------


def _same(field: str, sent: Any, current: Any) -> bool:
    if field in _DATE_FIELDS and isinstance(sent, str) and isinstance(current, str):
        try:
            return parse_instant(sent) == parse_instant(current)
        except ValueError:
            return False
    if field == "billingCycle" and isinstance(sent, str) and isinstance(current, str):
        return sent.lower() == current.lower()
    return sent == current


def patch(state: SimState, sub_id: str, body: Any, if_match: str | None) -> dict[str, Any]:
    """Apply a PATCH; all checks run on a copy, so a refused PATCH changes nothing."""
    stored = state.data["subscriptions"][sub_id]
    if not isinstance(body, dict):
        raise bad_request("The request body must be a Subscription object.")
    if if_match and if_match.strip('"') not in {stored["etag"], "*"}:
        raise ApiError(412, 2055, "Etag is no longer valid.", "PreconditionFailed")
    if stored["status"] in ("deleted", "expired"):
        raise bad_request(
            f"Subscription with ID {sub_id} and {stored['status']} status can't be updated.", 2011
        )
    current = render(state, stored)
    for field in IMMUTABLE:
        if field in body and not _same(field, body[field], current.get(field)):
            raise bad_request(f"Invalid property: {field} can't be changed.", 3000, "InvalidProperty")
    now = state.now()
    minutes = int(state.config["renewal_processing_minutes"])
    if (
        stored["renewedAt"]
        and minutes
        and now < parse_instant(stored["renewedAt"]) + dt.timedelta(minutes=minutes)
    ):
        raise ApiError(
            409, 800082, "Subscription is not ready to be updated. Try again after sometime.", "Conflict"
        )

    sub = copy.deepcopy(stored)
    ledger_mark = len(state.data["ledger"])
    try:
        _apply(state, sub, body, now)
    except ApiError:
        del state.data["ledger"][ledger_mark:]
        raise
    sub["etag"] = new_etag()
    state.data["subscriptions"][sub_id] = sub
    return render(state, sub)


def _apply(state: SimState, sub: dict[str, Any], body: dict[str, Any], now: dt.datetime) -> None:
    offer = offer_of(sub)
    immediate = False
    target = body.get("status", sub["status"])
    if not isinstance(target, str):
        raise bad_request("status must be a string.")
    target = target.lower()
    if target != sub["status"]:
        if target == "deleted":
            _cancel(state, sub, offer, now)
            return
        if target == "suspended" and sub["status"] == "active":
            sub.update(
                status="suspended",
                autoRenewEnabled=False,
                scheduled=None,
                suspensionReasons=["PartnerInitiated"],
            )
            immediate = True
        elif target == "active" and sub["status"] == "suspended":
            if is_nce(sub) and now > midnight(parse_day(sub["termEnd"]) + dt.timedelta(days=1)):
                raise bad_request(
                    "Can't update the status for this subscription: the term has ended.", 800096
                )
            sub.update(status="active", suspensionReasons=[])
        else:
            raise bad_request(
                f"Can't update the status for this subscription from {sub['status']} to {target}.", 800096
            )

    quantity = body.get("quantity", sub["quantity"])
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise bad_request("quantity must be an integer.")
    if quantity != sub["quantity"]:
        _change_quantity(state, sub, offer, quantity, now)
        immediate = True

    auto_renew = body.get("autoRenewEnabled", False)  # omitted => false (documented real behaviour)
    if not isinstance(auto_renew, bool):
        raise bad_request("autoRenewEnabled must be a boolean.")
    if sub["status"] == "suspended" or not is_nce(sub):
        auto_renew = False
    sub["autoRenewEnabled"] = auto_renew

    if "friendlyName" in body:
        if not isinstance(body["friendlyName"], str) or not body["friendlyName"].strip():
            raise bad_request("friendlyName must be a non-empty string.")
        sub["friendlyName"] = body["friendlyName"]

    instructions = body.get("scheduledNextTermInstructions")
    if instructions and instructions != sub["scheduled"]:
        sub["scheduled"] = _validate_instructions(sub, instructions)
    elif not instructions:
        sub["scheduled"] = None  # omitted => deleted (documented real behaviour)
    if immediate or not sub["autoRenewEnabled"]:
        sub["scheduled"] = None


def _cancel(state: SimState, sub: dict[str, Any], offer: Offer, now: dt.datetime) -> None:
    window_start = parse_instant(sub["windowStart"]) if is_nce(sub) else now
    if is_nce(sub) and now > window_start + WINDOW:
        raise bad_request(
            "You have passed your 168-hour cancellation window. We are unable to cancel your purchase.",
            900213,
            "CancellationWindowPassed",
        )
    if is_nce(sub):
        today = now.date()
        charge_start = today
        if state.config["full_refund_24h"] and now < window_start + FULL_REFUND:
            charge_start, _ = ledger.cycle_bounds(
                parse_day(sub["termStart"]),
                parse_day(sub["termEnd"]),
                sub["termDuration"],
                sub["billingCycle"],
                today,
            )
        ledger.post_charge(
            state,
            sub,
            offer,
            charge_type="cancelImmediate",
            at=now,
            quantity=sub["quantity"],
            charge_start=charge_start,
            sign=-1,
            reference_id=new_id(),
        )
    sub.update(status="deleted", autoRenewEnabled=False, scheduled=None, lots=[], nextCycleStart=None)


def _change_quantity(
    state: SimState, sub: dict[str, Any], offer: Offer, quantity: int, now: dt.datetime
) -> None:
    if not is_nce(sub):
        raise bad_request("Can't update the seat quantity for this subscription.", 800095)
    if sub["status"] == "suspended":
        raise bad_request(
            "Subscription quantity can't be increased or decreased while subscription is being suspended.",
            2001,
        )
    if not offer.min_quantity <= quantity <= offer.max_quantity:
        raise bad_request(
            f"Subscription quantity isn't within minimum and maximum allowed quantity "
            f"({offer.min_quantity}-{offer.max_quantity}).",
            2002,
        )
    old = sub["quantity"]
    if quantity > old:
        sub["lots"].append({"quantity": quantity - old, "allowedUntil": fmt_instant(now + WINDOW)})
        charge_type = "addQuantity"
    else:
        remove = old - quantity
        lots = _live_lots(sub, now)
        if remove > sum(lot["quantity"] for lot in lots):
            raise bad_request(
                "You have passed your 168-hour window for reducing seats for this subscription.",
                900214,
                "SeatReductionWindowPassed",
            )
        for lot in reversed(lots):  # newest seats first
            taken = min(lot["quantity"], remove)
            lot["quantity"] -= taken
            remove -= taken
        sub["lots"] = [lot for lot in sub["lots"] if lot["quantity"] > 0]
        charge_type = "removeQuantity"
    reference = new_id()
    for sign, seats in ((-1, old), (1, quantity)):
        ledger.post_charge(
            state,
            sub,
            offer,
            charge_type=charge_type,
            at=now,
            quantity=seats,
            charge_start=now.date(),
            sign=sign,
            reference_id=reference,
        )
    sub["quantity"] = quantity


def _validate_instructions(sub: dict[str, Any], instructions: Any) -> dict[str, Any]:
    if sub["status"] != "active" or not sub["autoRenewEnabled"] or not is_nce(sub):
        raise bad_request("Scheduled changes need an active subscription with autoRenewEnabled true.")
    if not isinstance(instructions, dict) or not isinstance(instructions.get("product"), dict):
        raise bad_request("scheduledNextTermInstructions.product is required.")
    product = instructions["product"]
    catalog_id = ":".join(str(product.get(key, "")) for key in ("productId", "skuId", "availabilityId"))
    offer = find_offer(catalog_id)
    term = product.get("termDuration")
    cycle = normalise_cycle(product.get("billingCycle"))
    if offer is None or offer.product_type != NCE:
        raise bad_request(f"Invalid offer ID {catalog_id}.", 800004)
    if (term, cycle) not in offer.terms:
        raise bad_request(
            f"Term {term} with billing cycle {product.get('billingCycle')} isn't offered.", 10010
        )
    quantity = instructions.get("quantity")
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not (max(1, offer.min_quantity) <= quantity <= offer.max_quantity)
    ):
        raise bad_request("scheduledNextTermInstructions.quantity isn't within the allowed quantity.", 2002)
    custom_end = instructions.get("customTermEndDate")
    if custom_end:
        renewal_start = parse_day(sub["termEnd"]) + dt.timedelta(days=1)
        try:
            end = parse_day(custom_end)
        except (TypeError, ValueError):
            end = None
        if end is None or not renewal_start <= end <= ledger.term_end(renewal_start, term):
            raise bad_request(
                "The custom term end date specified on the scheduled next term instructions must be within the "
                "first term duration after renewal.",
                900245,
            )
    return copy.deepcopy(instructions)
