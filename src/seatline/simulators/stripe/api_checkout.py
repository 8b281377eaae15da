# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checkout Sessions (`mode=payment` for PayNow, `mode=setup` to save a card) and the hosted page.

The session's `url` is the simulator's own page `/_sim/checkout/{id}`: it lists the test cards;
choosing one completes the session like a payer would (a decline keeps it open and shows Stripe's
message), then redirects to `success_url`. `POST /_sim/checkout/{id}/complete {"payment_method":
"pm_card_visa"}` does the same for tests and answers the session as JSON. On the hosted page the
payer is present, so `authentication_required` cards pass after (simulated) 3-D Secure.
"""

from __future__ import annotations

import html
import json
from typing import Any

from seatline.simulators.base import behaviours as b
from seatline.simulators.base.web import Request, Response
from seatline.simulators.stripe import forms
from seatline.simulators.stripe.api_core import (
    confirm_payment,
    get_or_404,
    metadata,
    new_payment_intent,
    ok,
    resolve_payment_method,
    succeed_setup,
)
from seatline.simulators.stripe.events import emit
from seatline.simulators.stripe.objects import (
    TEST_PAYMENT_METHODS,
    StripeError,
    from_fixture,
    invalid,
    new_id,
)
from seatline.simulators.stripe.routes import ROUTER, api_get, api_post

SESSION_LIFETIME = 24 * 3600


def _base_url(request: Request) -> str:
    return f"http://{request.header('Host') or '127.0.0.1'}"


def _line_total(params: dict[str, Any]) -> tuple[int, str]:
    total, currency = 0, ""
    for index, item in enumerate(params.get("line_items") or []):
        data = (item or {}).get("price_data") or {}
        unit, quantity = str(data.get("unit_amount", "")), str(item.get("quantity", "1"))
        if not unit.isdigit() or not quantity.isdigit():
            raise invalid("line_items need price_data[unit_amount] and quantity.", f"line_items[{index}]")
        total += int(unit) * int(quantity)
        currency = str(data.get("currency") or currency).lower()
    return total, currency


@api_post("/v1/checkout/sessions")
def create_session(request: Request, params: dict[str, Any], idempotency_key: str | None) -> Response:
    state = request.state
    mode = params.get("mode")
    if mode not in ("payment", "setup"):
        raise invalid("Invalid mode: must be one of payment, setup or subscription", "mode")
    if not params.get("success_url"):
        raise invalid("Missing required param: success_url.", "success_url", "parameter_missing")
    customer = params.get("customer")
    if customer:
        get_or_404(state, "customers", "customer", customer, "customer")
    total, currency = (
        _line_total(params) if mode == "payment" else (0, str(params.get("currency") or "").lower())
    )
    if mode == "payment" and total <= 0:
        raise invalid("Missing required param: line_items.", "line_items", "parameter_missing")
    session_id = new_id("cs_test_", 58)
    intent_data = params.get("payment_intent_data") or {}
    session = from_fixture(
        "checkout.session",
        id=session_id,
        mode=mode,
        status="open",
        payment_status="unpaid" if mode == "payment" else "no_payment_required",
        amount_total=total,
        amount_subtotal=total,
        currency=currency or None,
        customer=customer,
        customer_email=params.get("customer_email"),
        client_reference_id=params.get("client_reference_id"),
        created=state.timestamp(),
        expires_at=state.timestamp() + SESSION_LIFETIME,
        metadata=metadata(params),
        success_url=params["success_url"],
        cancel_url=params.get("cancel_url"),
        url=f"{_base_url(request)}/_sim/checkout/{session_id}",
        payment_method_types=params.get("payment_method_types") or ["card"],
        payment_intent=None,
        setup_intent=None,
    )
    state.data["checkout_sessions"][session_id] = session
    state.data.setdefault("session_options", {})[session_id] = {
        "setup_future_usage": intent_data.get("setup_future_usage"),
        "description": intent_data.get("description"),
        "metadata": intent_data.get("metadata") or {},
    }
    return ok(state, session, params)


@api_get("/v1/checkout/sessions/{session_id}")
def get_session(request: Request, params: dict[str, Any], session_id: str) -> Response:
    return ok(
        request.state, get_or_404(request.state, "checkout_sessions", "checkout session", session_id), params
    )


@api_post("/v1/checkout/sessions/{session_id}/expire")
def expire_session(
    request: Request, params: dict[str, Any], idempotency_key: str | None, session_id: str
) -> Response:
    state = request.state
    session = get_or_404(state, "checkout_sessions", "checkout session", session_id)
    if session["status"] != "open":
        raise invalid(
            f"Only Checkout Sessions with a status of open can be expired. This one is {session['status']}."
        )
    session.update(status="expired", url=None)
    emit(state, "checkout.session.expired", session, idempotency_key)
    return ok(state, session, params)


def complete(state: Any, session: dict[str, Any], token: str) -> dict[str, Any]:
    """The payer chose `token` on the hosted page (raises StripeError 402 on a decline)."""
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']}.", None, "checkout_session_not_open")
    if session["expires_at"] <= state.timestamp():
        session.update(status="expired", url=None)
        emit(state, "checkout.session.expired", session)
        raise invalid("This Checkout Session has expired.", None, "checkout_session_expired")
    options = state.data["session_options"][session["id"]]
    method = resolve_payment_method(state, token)
    if session["mode"] == "setup":
        intent_id = new_id("seti_")
        intent = from_fixture(
            "setup_intent",
            id=intent_id,
            client_secret=f"{intent_id}_secret_{new_id('', 25)}",
            created=state.timestamp(),
            customer=session["customer"],
            payment_method_types=["card"],
            usage="off_session",
            status="requires_confirmation",
            automatic_payment_methods=None,
        )
        state.data["setup_intents"][intent_id] = intent
        succeed_setup(state, intent, method, None)
        session.update(setup_intent=intent_id, status="complete")
    else:
        intent = new_payment_intent(
            state,
            {
                "amount": str(session["amount_total"]),
                "currency": session["currency"],
                "customer": session["customer"],
                "description": options["description"],
                "metadata": options["metadata"],
                "setup_future_usage": options["setup_future_usage"] if session["customer"] else None,
            },
        )
        session["payment_intent"] = intent["id"]
        behaviour = b.behaviour_of(state, method["id"], state.data["intrinsic"].get(method["id"], b.SUCCEED))
        if behaviour == b.AUTHENTICATION_REQUIRED:  # the payer is here: 3-D Secure passes
            state.data["intrinsic"][method["id"]] = b.SUCCEED
        confirm_payment(state, intent, method, off_session=False, key=None)
        session.update(status="complete", payment_status="paid")
    session["url"] = None
    emit(state, "checkout.session.completed", session)
    return session


@ROUTER.route("POST", "/_sim/checkout/{session_id}/complete")
def complete_json(request: Request, session_id: str) -> Response:
    state = request.state
    session = get_or_404(state, "checkout_sessions", "checkout session", session_id)
    body = request.json() if request.body.strip() else {}
    token = body.get("payment_method", "pm_card_visa") if isinstance(body, dict) else "pm_card_visa"
    try:
        return Response(200, complete(state, session, str(token)))
    except StripeError as error:
        return Response(error.status, error.body())


def _page(session: dict[str, Any], message: str = "") -> Response:
    title = (
        "Save a card"
        if session["mode"] == "setup"
        else f"Pay {session['amount_total'] / 100:.2f} {str(session['currency']).upper()}"
    )
    options = "".join(
        f'<button name="payment_method" value="{html.escape(token)}">{html.escape(token)}</button><br>'
        for token in TEST_PAYMENT_METHODS
    )
    notice = f'<p role="alert">{html.escape(message)}</p>' if message else ""
    text = (
        f"<!doctype html><title>Stripe Checkout (simulator)</title><h1>{html.escape(title)}</h1>{notice}"
        f'<form method="post">{options}</form>'
        f'<p><a href="{html.escape(session["cancel_url"] or "#")}">Cancel</a></p>'
    )
    return Response(200, raw=text.encode("utf-8"), content_type="text/html; charset=utf-8")


@ROUTER.route("GET", "/_sim/checkout/{session_id}")
def hosted_page(request: Request, session_id: str) -> Response:
    session = get_or_404(request.state, "checkout_sessions", "checkout session", session_id)
    if session["status"] != "open":
        return Response(
            200,
            raw=f"<!doctype html><p>This session is {session['status']}.</p>".encode(),
            content_type="text/html; charset=utf-8",
        )
    return _page(session)


@ROUTER.route("POST", "/_sim/checkout/{session_id}")
def hosted_submit(request: Request, session_id: str) -> Response:
    state = request.state
    session = get_or_404(state, "checkout_sessions", "checkout session", session_id)
    token = str(forms.decode(request.body.decode("utf-8")).get("payment_method") or "")
    try:
        complete(state, session, token)
    except StripeError as error:
        return _page(session, error.message)
    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
    return Response(303, None, {"Location": target})


@ROUTER.route("POST", "/_sim/authenticate/{intent_id}")
def authenticate(request: Request, intent_id: str) -> Response:
    """The payer passes 3-D Secure for an on-session PaymentIntent in `requires_action`."""
    state = request.state
    intent = get_or_404(state, "payment_intents", "payment_intent", intent_id)
    if intent["status"] != "requires_action":
        raise invalid(f"PaymentIntent {intent_id} does not require action.")
    state.data["intrinsic"][intent["payment_method"]] = b.SUCCEED
    state.data["behaviours"].pop(intent["payment_method"], None)
    method = state.data["payment_methods"][intent["payment_method"]]
    confirm_payment(state, intent, method, off_session=False, key=None)
    return Response(200, json.loads(json.dumps(intent)))
