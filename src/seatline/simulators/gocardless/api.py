# SPDX-License-Identifier: AGPL-3.0-or-later
"""Customers, bank accounts, mandates, billing requests (+ hosted flow), payments and refunds.

Test bank accounts (sort code `200000`, any country): `55779911` (GoCardless' sandbox account)
pays; the simulator's own `55779922` insufficient_funds, `55779933` card_declined (the bank
refers to payer), `55779944` expired_card (mandate expired), `55779955` authentication_required
(authorisation disputed), `55779966` processing_error (no reason given). Any other number pays.
"""

from __future__ import annotations

import datetime as dt
import html
import urllib.parse
from typing import Any

from seatline.simulators.base import behaviours as b
from seatline.simulators.base.clock import fmt_instant
from seatline.simulators.base.web import Request, Response
from seatline.simulators.gocardless.common import (
    ROUTER,
    create_route,
    enveloped,
    event,
    get,
    invalid_state,
    new_id,
    validation,
)

TEST_ACCOUNTS = {
    "55779911": b.SUCCEED,
    "55779922": b.INSUFFICIENT_FUNDS,
    "55779933": b.CARD_DECLINED,
    "55779944": b.EXPIRED_CARD,
    "55779955": b.AUTHENTICATION_REQUIRED,
    "55779966": b.PROCESSING_ERROR,
}
SCHEMES = {"GBP": "bacs", "EUR": "sepa_core", "USD": "ach", "AUD": "becs", "NZD": "becs_nz", "CAD": "pad"}
LEAD_DAYS = 3  # next possible charge date = today + 3 (calendar days; no bank holidays)


def _links(body: dict[str, Any], *names: str) -> dict[str, str]:
    links = body.get("links") or {}
    found = {}
    for name in names:
        value = links.get(name)
        if not isinstance(value, str) or not value:
            raise validation(f"links[{name}]", "is required")
        found[name] = value
    return found


def _now(state: Any) -> str:
    return fmt_instant(state.now())


def _next_charge_date(state: Any) -> dt.date:
    return state.now().date() + dt.timedelta(days=LEAD_DAYS)


# -- customers and bank accounts ------------------------------------------------------------
@create_route("/customers", "customers")
def create_customer(request: Request) -> tuple[str, dict[str, Any]]:
    state = request.state
    body = enveloped(request, "customers")
    if not (body.get("company_name") or (body.get("given_name") and body.get("family_name"))):
        raise validation("given_name", "company_name or given_name and family_name are required")
    customer = {
        "id": new_id("CU"),
        "created_at": _now(state),
        "email": body.get("email"),
        "given_name": body.get("given_name"),
        "family_name": body.get("family_name"),
        "company_name": body.get("company_name"),
        "country_code": body.get("country_code"),
        "language": body.get("language") or "en",
        "metadata": body.get("metadata") or {},
        "address_line1": None,
        "city": None,
        "postal_code": None,
        "phone_number": None,
        "swedish_identity_number": None,
        "danish_identity_number": None,
    }
    state.data["customers"][customer["id"]] = customer
    event(state, "customers", "created", {"customer": customer["id"]})
    return customer["id"], customer


@ROUTER.route("GET", "/customers/{customer_id}")
def get_customer(request: Request, customer_id: str) -> Response:
    return Response(200, {"customers": get(request.state, "customers", customer_id, "customer")})


def new_bank_account(state: Any, customer_id: str, body: dict[str, Any]) -> dict[str, Any]:
    get(state, "customers", customer_id, "customer")
    number = str(body.get("account_number") or "")
    if not body.get("iban") and not number.isdigit():
        raise validation("account_number", "is required")
    if not body.get("account_holder_name"):
        raise validation("account_holder_name", "is required")
    digits = number or str(body.get("iban"))[-8:]
    account = {
        "id": new_id("BA"),
        "created_at": _now(state),
        "account_holder_name": body["account_holder_name"],
        "account_number_ending": digits[-2:],
        "bank_name": "BARCLAYS BANK PLC" if (body.get("country_code") or "GB") == "GB" else "SIMULATED BANK",
        "country_code": body.get("country_code") or "GB",
        "currency": body.get("currency") or "GBP",
        "enabled": True,
        "metadata": body.get("metadata") or {},
        "links": {"customer": customer_id},
    }
    state.data["bank_accounts"][account["id"]] = account
    state.data["account_behaviour"][account["id"]] = TEST_ACCOUNTS.get(digits, b.SUCCEED)
    return account


@create_route("/customer_bank_accounts", "customer_bank_accounts")
def create_bank_account(request: Request) -> tuple[str, dict[str, Any]]:
    body = enveloped(request, "customer_bank_accounts")
    account = new_bank_account(request.state, _links(body, "customer")["customer"], body)
    return account["id"], account


# -- mandates -------------------------------------------------------------------------------
def new_mandate(
    state: Any, account_id: str, scheme: str | None = None, metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    account = get(state, "bank_accounts", account_id, "customer bank account")
    mandate = {
        "id": new_id("MD"),
        "created_at": _now(state),
        "reference": new_id("SIM-")[:18],
        "scheme": scheme or SCHEMES.get(account["currency"], "bacs"),
        "status": "pending_submission",
        "next_possible_charge_date": _next_charge_date(state).isoformat(),
        "payments_require_approval": False,
        "metadata": metadata or {},
        "links": {
            "customer_bank_account": account_id,
            "customer": account["links"]["customer"],
            "creditor": "CR000SIMULATOR",
        },
    }
    state.data["mandates"][mandate["id"]] = mandate
    state.data["intrinsic"][mandate["id"]] = state.data["account_behaviour"][account_id]
    event(state, "mandates", "created", {"mandate": mandate["id"]})
    return mandate


@create_route("/mandates", "mandates")
def create_mandate(request: Request) -> tuple[str, dict[str, Any]]:
    body = enveloped(request, "mandates")
    mandate = new_mandate(
        request.state,
        _links(body, "customer_bank_account")["customer_bank_account"],
        body.get("scheme"),
        body.get("metadata"),
    )
    return mandate["id"], mandate


@ROUTER.route("GET", "/mandates/{mandate_id}")
def get_mandate(request: Request, mandate_id: str) -> Response:
    mandate = get(request.state, "mandates", mandate_id, "mandate")
    mandate["next_possible_charge_date"] = _next_charge_date(request.state).isoformat()
    return Response(200, {"mandates": mandate})


@ROUTER.route("GET", "/customer_bank_accounts/{account_id}")
def get_bank_account(request: Request, account_id: str) -> Response:
    return Response(
        200,
        {"customer_bank_accounts": get(request.state, "bank_accounts", account_id, "customer bank account")},
    )


# -- billing requests and their hosted flow -------------------------------------------------
@create_route("/billing_requests", "billing_requests")
def create_billing_request(request: Request) -> tuple[str, dict[str, Any]]:
    state = request.state
    body = enveloped(request, "billing_requests")
    customer_id = _links(body, "customer")["customer"]
    get(state, "customers", customer_id, "customer")
    mandate_request = body.get("mandate_request")
    if not isinstance(mandate_request, dict):
        raise validation("mandate_request", "is required (this simulator does not take payment requests)")
    currency = mandate_request.get("currency") or "GBP"
    billing_request = {
        "id": new_id("BRQ"),
        "created_at": _now(state),
        "status": "pending",
        "mandate_request": {
            "currency": currency,
            "scheme": mandate_request.get("scheme") or SCHEMES.get(currency, "bacs"),
            "links": {},
        },
        "payment_request": None,
        "metadata": body.get("metadata") or {},
        "links": {"customer": customer_id},
        "actions": [{"type": "collect_bank_account", "required": True, "status": "pending"}],
    }
    state.data["billing_requests"][billing_request["id"]] = billing_request
    event(state, "billing_requests", "created", {"billing_request": billing_request["id"]})
    return billing_request["id"], billing_request


@ROUTER.route("GET", "/billing_requests/{request_id}")
def get_billing_request(request: Request, request_id: str) -> Response:
    return Response(
        200, {"billing_requests": get(request.state, "billing_requests", request_id, "billing request")}
    )


@create_route("/billing_request_flows", "billing_request_flows")
def create_flow(request: Request) -> tuple[str, dict[str, Any]]:
    state = request.state
    body = enveloped(request, "billing_request_flows")
    request_id = _links(body, "billing_request")["billing_request"]
    get(state, "billing_requests", request_id, "billing request")
    flow_id = new_id("BRF")
    flow = {
        "id": flow_id,
        "created_at": _now(state),
        "authorisation_url": f"http://{request.header('Host') or '127.0.0.1'}/_sim/flows/{flow_id}",
        "redirect_uri": body.get("redirect_uri"),
        "exit_uri": body.get("exit_uri"),
        "expires_at": fmt_instant(state.now() + dt.timedelta(days=7)),
        "lock_bank_details": False,
        "links": {"billing_request": request_id},
    }
    state.data["flows"][flow_id] = flow
    return flow_id, flow


def fulfil(state: Any, billing_request: dict[str, Any], holder: str, account_number: str) -> dict[str, Any]:
    if billing_request["status"] != "pending":
        raise invalid_state(
            "billing_request_invalid_state", f"This billing request is {billing_request['status']}."
        )
    currency = billing_request["mandate_request"]["currency"]
    account = new_bank_account(
        state,
        billing_request["links"]["customer"],
        {
            "account_holder_name": holder,
            "account_number": account_number,
            "currency": currency,
            "country_code": "GB" if currency == "GBP" else "FR",
        },
    )
    mandate = new_mandate(state, account["id"], billing_request["mandate_request"]["scheme"])
    billing_request["status"] = "fulfilled"
    billing_request["actions"][0]["status"] = "completed"
    billing_request["links"].update(
        customer_bank_account=account["id"], mandate_request_mandate=mandate["id"]
    )
    billing_request["mandate_request"]["links"] = {"mandate": mandate["id"]}
    event(
        state,
        "billing_requests",
        "fulfilled",
        {"billing_request": billing_request["id"], "mandate_request_mandate": mandate["id"]},
    )
    return billing_request


@ROUTER.route("POST", "/_sim/billing_requests/{request_id}/fulfil")
def fulfil_json(request: Request, request_id: str) -> Response:
    """The payer completed the hosted flow: `{"account_holder_name", "account_number"}`."""
    state = request.state
    body = request.json() if request.body.strip() else {}
    billing_request = get(state, "billing_requests", request_id, "billing request")
    fulfilled = fulfil(
        state,
        billing_request,
        str(body.get("account_holder_name") or "Test Payer"),
        str(body.get("account_number") or "55779911"),
    )
    return Response(200, {"billing_requests": fulfilled})


@ROUTER.route("GET", "/_sim/flows/{flow_id}")
def flow_page(request: Request, flow_id: str) -> Response:
    flow = get(request.state, "flows", flow_id, "billing request flow")
    options = "".join(
        f'<button name="account_number" value="{number}">{number} ({html.escape(behaviour)})</button><br>'
        for number, behaviour in TEST_ACCOUNTS.items()
    )
    text = (
        "<!doctype html><title>GoCardless (simulator)</title><h1>Set up a Direct Debit</h1>"
        f'<form method="post"><input name="account_holder_name" value="Test Payer"><br>{options}</form>'
        f'<p><a href="{html.escape(flow["exit_uri"] or "#")}">Cancel</a></p>'
    )
    return Response(200, raw=text.encode("utf-8"), content_type="text/html; charset=utf-8")


@ROUTER.route("POST", "/_sim/flows/{flow_id}")
def flow_submit(request: Request, flow_id: str) -> Response:
    state = request.state
    flow = get(state, "flows", flow_id, "billing request flow")
    form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8")))
    billing_request = get(state, "billing_requests", flow["links"]["billing_request"], "billing request")
    fulfil(
        state,
        billing_request,
        form.get("account_holder_name") or "Test Payer",
        form.get("account_number") or "55779911",
    )
    return Response(303, None, {"Location": flow["redirect_uri"] or "/"})


# -- payments and refunds -------------------------------------------------------------------
@create_route("/payments", "payments")
def create_payment(request: Request) -> tuple[str, dict[str, Any]]:
    state = request.state
    body = enveloped(request, "payments")
    mandate = get(state, "mandates", _links(body, "mandate")["mandate"], "mandate")
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise validation("amount", "must be a positive whole number of the currency's minor unit")
    if mandate["status"] in ("failed", "cancelled", "expired", "blocked"):
        raise invalid_state(
            "mandate_is_inactive", "The mandate is not active: payments cannot be created against it."
        )
    earliest = _next_charge_date(state)
    charge_date = earliest
    if body.get("charge_date"):
        charge_date = dt.date.fromisoformat(str(body["charge_date"]))
        if charge_date < earliest:
            raise validation(
                "charge_date",
                f"must be on or after mandate's next_possible_charge_date ({earliest.isoformat()})",
            )
    payment = {
        "id": new_id("PM"),
        "created_at": _now(state),
        "amount": amount,
        "amount_refunded": 0,
        "currency": body.get("currency") or "GBP",
        "charge_date": charge_date.isoformat(),
        "description": body.get("description"),
        "reference": body.get("reference"),
        "status": "pending_submission",
        "scheme": mandate["scheme"],
        "retry_if_possible": bool(body.get("retry_if_possible", False)),
        "metadata": body.get("metadata") or {},
        "fx": None,
        "links": {"mandate": mandate["id"], "creditor": "CR000SIMULATOR"},
    }
    state.data["payments"][payment["id"]] = payment
    event(state, "payments", "created", {"payment": payment["id"], "mandate": mandate["id"]})
    return payment["id"], payment


@ROUTER.route("GET", "/payments/{payment_id}")
def get_payment(request: Request, payment_id: str) -> Response:
    return Response(200, {"payments": get(request.state, "payments", payment_id, "payment")})


@create_route("/refunds", "refunds")
def create_refund(request: Request) -> tuple[str, dict[str, Any]]:
    state = request.state
    body = enveloped(request, "refunds")
    payment = get(state, "payments", _links(body, "payment")["payment"], "payment")
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise validation("amount", "must be a positive whole number of the currency's minor unit")
    if payment["status"] not in ("confirmed", "paid_out"):
        raise invalid_state(
            "refund_payment_invalid_state", "Payments can only be refunded once they are confirmed."
        )
    total = payment["amount_refunded"] + amount
    if body.get("total_amount_confirmation") != total:
        raise validation(
            "total_amount_confirmation",
            f"must be {total}, the total refunded on this payment including this refund",
        )
    if total > payment["amount"]:
        raise invalid_state(
            "available_refund_amount_insufficient", "The refund would take more than the payment amount."
        )
    refund = {
        "id": new_id("RF"),
        "created_at": _now(state),
        "amount": amount,
        "currency": payment["currency"],
        "reference": body.get("reference"),
        "status": "submitted",
        "metadata": body.get("metadata") or {},
        "fx": None,
        "links": {"payment": payment["id"], "mandate": payment["links"]["mandate"]},
    }
    payment["amount_refunded"] = total
    state.data["refunds"][refund["id"]] = refund
    event(state, "refunds", "created", {"refund": refund["id"], "payment": payment["id"]})
    return refund["id"], refund


@ROUTER.route("GET", "/refunds/{refund_id}")
def get_refund(request: Request, refund_id: str) -> Response:
    return Response(200, {"refunds": get(request.state, "refunds", refund_id, "refund")})


@ROUTER.route("GET", "/events")
def list_events(request: Request) -> Response:
    """Events filtered by `payment`, `mandate`, `refund`, `resource_type` and `action`, newest first."""
    found = []
    for record in reversed(list(request.state.data["events"].values())):
        if any(
            request.param(name) and record["links"].get(name) != request.param(name)
            for name in ("payment", "mandate", "refund")
        ):
            continue
        if request.param("resource_type") and record["resource_type"] != request.param("resource_type"):
            continue
        if request.param("action") and record["action"] != request.param("action"):
            continue
        found.append(record)
    limit = int(request.param("limit") or 50)
    return Response(
        200, {"events": found[:limit], "meta": {"cursors": {"before": None, "after": None}, "limit": limit}}
    )


@ROUTER.route("GET", "/events/{event_id}")
def get_event(request: Request, event_id: str) -> Response:
    return Response(200, {"events": get(request.state, "events", event_id, "event")})
