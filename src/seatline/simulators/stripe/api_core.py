# SPDX-License-Identifier: AGPL-3.0-or-later
"""Customers, PaymentMethods, SetupIntents, PaymentIntents, Charges, Refunds and Events."""

from __future__ import annotations

import copy
from typing import Any

from seatline.simulators.base import behaviours as b
from seatline.simulators.base.web import Request, Response
from seatline.simulators.stripe.events import emit
from seatline.simulators.stripe.forms import flag
from seatline.simulators.stripe.objects import (
    DECLINES,
    TEST_PAYMENT_METHODS,
    StripeError,
    amount_param,
    from_fixture,
    invalid,
    missing,
    new_id,
)
from seatline.simulators.stripe.routes import api_get, api_post

STORES = {
    "cus_": ("customers", "customer"),
    "pm_": ("payment_methods", "payment_method"),
    "seti_": ("setup_intents", "setup_intent"),
    "pi_": ("payment_intents", "payment_intent"),
    "ch_": ("charges", "charge"),
    "re_": ("refunds", "refund"),
    "cs_": ("checkout_sessions", "checkout.session"),
}


def find(state: Any, ident: str) -> dict[str, Any] | None:
    for prefix, (store, _) in STORES.items():
        if ident.startswith(prefix):
            found: dict[str, Any] | None = state.data[store].get(ident)
            return found
    return None


def get_or_404(state: Any, store: str, kind: str, ident: str, param: str = "id") -> dict[str, Any]:
    found: dict[str, Any] | None = state.data[store].get(ident)
    if found is None:
        raise missing(kind, ident, param)
    return found


def expanded(state: Any, resource: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A copy of `resource` with the `expand[]` paths (`payment_intent`, `setup_intent.payment_method`) resolved."""
    result = copy.deepcopy(resource)
    for path in params.get("expand") or []:
        node = result
        parts = str(path).split(".")
        for index, part in enumerate(parts):
            value = node.get(part) if isinstance(node, dict) else None
            if isinstance(value, str):
                target = find(state, value)
                if target is None:
                    break
                node[part] = copy.deepcopy(target)
                value = node[part]
            if index < len(parts) - 1:
                node = value
    return result


def ok(state: Any, resource: dict[str, Any], params: dict[str, Any]) -> Response:
    return Response(200, expanded(state, resource, params))


def metadata(params: dict[str, Any]) -> dict[str, str]:
    value = params.get("metadata") or {}
    if not isinstance(value, dict):
        raise invalid("Invalid object", "metadata")
    return {str(key): str(item) for key, item in value.items()}


# -- customers ------------------------------------------------------------------------------
@api_post("/v1/customers")
def create_customer(request: Request, params: dict[str, Any], idempotency_key: str | None) -> Response:
    state = request.state
    customer = from_fixture(
        "customer",
        id=new_id("cus_", 14),
        created=state.timestamp(),
        name=params.get("name"),
        email=params.get("email"),
        description=params.get("description"),
        metadata=metadata(params),
        invoice_settings={"custom_fields": None, "default_payment_method": None, "footer": None},
        currency=None,
        balance=0,
        delinquent=False,
    )
    state.data["customers"][customer["id"]] = customer
    emit(state, "customer.created", customer, idempotency_key)
    return ok(state, customer, params)


@api_get("/v1/customers/{customer_id}")
def get_customer(request: Request, params: dict[str, Any], customer_id: str) -> Response:
    return ok(request.state, get_or_404(request.state, "customers", "customer", customer_id), params)


# -- payment methods ------------------------------------------------------------------------
def resolve_payment_method(state: Any, token: str, param: str = "payment_method") -> dict[str, Any]:
    """An existing PaymentMethod, or a fresh one made from a test token (`pm_card_visa`, ...)."""
    if token in TEST_PAYMENT_METHODS:
        behaviour, brand, last4, funding = TEST_PAYMENT_METHODS[token]
        method = from_fixture(
            "payment_method",
            id=new_id("pm_"),
            created=state.timestamp(),
            type="card",
            customer=None,
            billing_details={"address": None, "email": None, "name": None, "phone": None, "tax_id": None},
            card={
                "brand": brand,
                "last4": last4,
                "exp_month": 12,
                "exp_year": state.now().year + 3,
                "funding": funding,
                "country": "US",
                "fingerprint": new_id("", 16),
            },
            allow_redisplay="unspecified",
        )
        state.data["payment_methods"][method["id"]] = method
        state.data["intrinsic"][method["id"]] = behaviour
        return method
    method = state.data["payment_methods"].get(token)
    if method is None:
        raise missing("PaymentMethod", token, param)
    return method


def attach(state: Any, method: dict[str, Any], customer_id: str | None, idempotency_key: str | None) -> None:
    if not customer_id or method["customer"] == customer_id:
        return
    if method["customer"]:
        raise invalid(
            "The payment method you provided has already been attached to a customer.", "payment_method"
        )
    get_or_404(state, "customers", "customer", customer_id, "customer")
    method["customer"] = customer_id
    emit(state, "payment_method.attached", method, idempotency_key)


@api_get("/v1/payment_methods/{method_id}")
def get_payment_method(request: Request, params: dict[str, Any], method_id: str) -> Response:
    method = get_or_404(request.state, "payment_methods", "PaymentMethod", method_id)
    return ok(request.state, method, params)


@api_post("/v1/payment_methods/{method_id}/attach")
def attach_payment_method(
    request: Request, params: dict[str, Any], idempotency_key: str | None, method_id: str
) -> Response:
    state = request.state
    method = resolve_payment_method(state, method_id, "payment_method")
    if not params.get("customer"):
        raise invalid("Missing required param: customer.", "customer", "parameter_missing")
    attach(state, method, params["customer"], idempotency_key)
    return ok(state, method, params)


# -- setup intents --------------------------------------------------------------------------
def succeed_setup(state: Any, intent: dict[str, Any], method: dict[str, Any], key: str | None) -> None:
    attach(state, method, intent["customer"], key)
    intent.update(status="succeeded", payment_method=method["id"], next_action=None, last_setup_error=None)
    emit(state, "setup_intent.succeeded", intent, key)


@api_post("/v1/setup_intents")
def create_setup_intent(request: Request, params: dict[str, Any], idempotency_key: str | None) -> Response:
    state = request.state
    customer = params.get("customer")
    if customer:
        get_or_404(state, "customers", "customer", customer, "customer")
    intent_id = new_id("seti_")
    intent = from_fixture(
        "setup_intent",
        id=intent_id,
        client_secret=f"{intent_id}_secret_{new_id('', 25)}",
        created=state.timestamp(),
        customer=customer,
        description=params.get("description"),
        metadata=metadata(params),
        payment_method_types=params.get("payment_method_types") or ["card"],
        usage=params.get("usage") or "off_session",
        status="requires_payment_method",
        automatic_payment_methods=None,
    )
    state.data["setup_intents"][intent_id] = intent
    emit(state, "setup_intent.created", intent, idempotency_key)
    if params.get("payment_method"):
        method = resolve_payment_method(state, params["payment_method"])
        intent.update(payment_method=method["id"], status="requires_confirmation")
        if flag(params.get("confirm")):
            succeed_setup(state, intent, method, idempotency_key)
    return ok(state, intent, params)


@api_get("/v1/setup_intents/{intent_id}")
def get_setup_intent(request: Request, params: dict[str, Any], intent_id: str) -> Response:
    return ok(request.state, get_or_404(request.state, "setup_intents", "setup_intent", intent_id), params)


# -- payment intents and charges ------------------------------------------------------------
def _charge(
    state: Any, intent: dict[str, Any], method: dict[str, Any], failure: tuple[str, str | None, str] | None
) -> dict[str, Any]:
    charge = from_fixture(
        "charge",
        id=new_id("ch_"),
        amount=intent["amount"],
        amount_captured=0 if failure else intent["amount"],
        amount_refunded=0,
        captured=failure is None,
        created=state.timestamp(),
        currency=intent["currency"],
        customer=intent["customer"],
        description=intent["description"],
        metadata=dict(intent["metadata"]),
        paid=failure is None,
        payment_intent=intent["id"],
        payment_method=method["id"],
        payment_method_details={"type": "card", "card": dict(method["card"] or {})},
        refunded=False,
        status="failed" if failure else "succeeded",
        failure_code=failure[0] if failure else None,
        failure_message=failure[2] if failure else None,
        outcome={
            "network_status": "declined_by_network" if failure else "approved_by_network",
            "reason": failure[1] if failure else None,
            "type": "issuer_declined" if failure else "authorized",
            "seller_message": "The bank did not return any further details with this decline."
            if failure
            else "Payment complete.",
            "risk_level": "normal",
        },
    )
    state.data["charges"][charge["id"]] = charge
    return charge


def confirm_payment(
    state: Any, intent: dict[str, Any], method: dict[str, Any], *, off_session: bool, key: str | None
) -> None:
    """Run the charge: success, a card_error (402) or `requires_action` (on-session authentication)."""
    behaviour = b.behaviour_of(state, method["id"], state.data["intrinsic"].get(method["id"], b.SUCCEED))
    intent["payment_method"] = method["id"]
    if behaviour == b.AUTHENTICATION_REQUIRED and not off_session:
        intent.update(
            status="requires_action",
            next_action={
                "type": "redirect_to_url",
                "redirect_to_url": {"url": f"/_sim/authenticate/{intent['id']}", "return_url": None},
            },
        )
        emit(state, "payment_intent.requires_action", intent, key)
        return
    if behaviour == b.SUCCEED:
        charge = _charge(state, intent, method, None)
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            last_payment_error=None,
        )
        if intent["setup_future_usage"]:
            attach(state, method, intent["customer"], key)
        emit(state, "charge.succeeded", charge, key)
        emit(state, "payment_intent.succeeded", intent, key)
        return
    code, decline_code, message = DECLINES[behaviour]
    charge = _charge(state, intent, method, DECLINES[behaviour])
    error = {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "charge": charge["id"],
        "payment_method": copy.deepcopy(method),
    }
    intent.update(status="requires_payment_method", latest_charge=charge["id"], last_payment_error=error)
    emit(state, "charge.failed", charge, key)
    emit(state, "payment_intent.payment_failed", intent, key)
    raise StripeError(
        402,
        message,
        type_="card_error",
        code=code,
        decline_code=decline_code,
        extra={
            "charge": charge["id"],
            "payment_intent": copy.deepcopy(intent),
            "payment_method": copy.deepcopy(method),
        },
    )


def new_payment_intent(state: Any, params: dict[str, Any]) -> dict[str, Any]:
    amount = amount_param(params)
    currency = str(params.get("currency") or "").lower()
    if len(currency) != 3:
        raise invalid("Missing required param: currency.", "currency", "parameter_missing")
    customer = params.get("customer")
    if customer:
        get_or_404(state, "customers", "customer", customer, "customer")
    intent_id = new_id("pi_")
    intent = from_fixture(
        "payment_intent",
        id=intent_id,
        amount=amount,
        amount_received=0,
        capture_method="automatic",
        confirmation_method="automatic",
        client_secret=f"{intent_id}_secret_{new_id('', 25)}",
        created=state.timestamp(),
        currency=currency,
        customer=customer,
        description=params.get("description"),
        metadata=metadata(params),
        payment_method_types=params.get("payment_method_types") or ["card"],
        setup_future_usage=params.get("setup_future_usage"),
        status="requires_payment_method",
        automatic_payment_methods=None,
        amount_details=None,
    )
    state.data["payment_intents"][intent_id] = intent
    return intent


@api_post("/v1/payment_intents")
def create_payment_intent(request: Request, params: dict[str, Any], idempotency_key: str | None) -> Response:
    state = request.state
    intent = new_payment_intent(state, params)
    emit(state, "payment_intent.created", intent, idempotency_key)
    if params.get("payment_method"):
        method = resolve_payment_method(state, params["payment_method"])
        if intent["customer"] and method["customer"] and method["customer"] != intent["customer"]:
            raise invalid(
                f"The provided PaymentMethod belongs to another customer than {intent['customer']}.",
                "payment_method",
            )
        intent.update(payment_method=method["id"], status="requires_confirmation")
        if flag(params.get("confirm")):
            confirm_payment(
                state, intent, method, off_session=flag(params.get("off_session")), key=idempotency_key
            )
    return ok(state, intent, params)


@api_get("/v1/payment_intents/{intent_id}")
def get_payment_intent(request: Request, params: dict[str, Any], intent_id: str) -> Response:
    return ok(
        request.state, get_or_404(request.state, "payment_intents", "payment_intent", intent_id), params
    )


@api_get("/v1/charges/{charge_id}")
def get_charge(request: Request, params: dict[str, Any], charge_id: str) -> Response:
    return ok(request.state, get_or_404(request.state, "charges", "charge", charge_id), params)


# -- refunds --------------------------------------------------------------------------------
@api_post("/v1/refunds")
def create_refund(request: Request, params: dict[str, Any], idempotency_key: str | None) -> Response:
    state = request.state
    if params.get("payment_intent"):
        intent = get_or_404(
            state, "payment_intents", "payment_intent", params["payment_intent"], "payment_intent"
        )
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                "payment_intent",
                "charge_not_refundable",
            )
        charge = state.data["charges"][intent["latest_charge"]]
    elif params.get("charge"):
        charge = get_or_404(state, "charges", "charge", params["charge"], "charge")
    else:
        raise invalid(
            "One of the following params should be provided for this request: payment_intent or charge."
        )
    if charge["status"] != "succeeded":
        raise invalid(
            f"Charge {charge['id']} has failed and cannot be refunded.", "charge", "charge_not_refundable"
        )
    left = charge["amount"] - charge["amount_refunded"]
    if left <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", None, "charge_already_refunded")
    amount = amount_param(params, required=False) or left
    if amount > left:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            "amount",
            "amount_too_large",
        )
    refund = from_fixture(
        "refund",
        id=new_id("re_"),
        amount=amount,
        charge=charge["id"],
        created=state.timestamp(),
        currency=charge["currency"],
        metadata=metadata(params),
        payment_intent=charge["payment_intent"],
        reason=params.get("reason"),
        status="succeeded",
        destination_details={"type": "card", "card": {"type": "refund"}},
    )
    state.data["refunds"][refund["id"]] = refund
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    emit(state, "refund.created", refund, idempotency_key)
    emit(state, "charge.refunded", charge, idempotency_key)
    return ok(state, refund, params)


@api_get("/v1/refunds/{refund_id}")
def get_refund(request: Request, params: dict[str, Any], refund_id: str) -> Response:
    return ok(request.state, get_or_404(request.state, "refunds", "refund", refund_id), params)


# -- events ---------------------------------------------------------------------------------
@api_get("/v1/events/{event_id}")
def get_event(request: Request, params: dict[str, Any], event_id: str) -> Response:
    event = request.state.data["events"].get(event_id)
    if event is None:
        raise missing("event", event_id)
    return Response(200, event)
