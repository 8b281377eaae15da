# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Pax8 partner endpoints: token, companies, subscriptions, invoices, invoice items, draft items.

Collections page like Pax8: `page` (0-based, default 0), `size` (default 10, 1..200, else 422),
answer `{content: [...], page: {size, totalElements, totalPages, number}}`; a page past the end is
an empty `content`. Companies sort by name, subscriptions by creation, invoices newest first
(`sort=invoiceDate,asc` reverses), items in the order they were seeded.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from seatline.simulators.base.clock import fmt_instant, parse_instant
from seatline.simulators.base.control import json_object
from seatline.simulators.base.errors import InvalidBody
from seatline.simulators.base.web import Request, Response, Router
from seatline.simulators.pax8.errors import Pax8Error, invalid, not_found

ROUTER = Router()
AUDIENCES = ("https://api.pax8.com", "api://p8p.client", "api://provisioning", "api://usage")
DEFAULT_SIZE = 10
MAX_SIZE = 200


# -- token ---------------------------------------------------------------------------------------


def _token_error(status: int = 401, description: str = "Unauthorized") -> Response:
    return Response(status, {"error": "access_denied", "error_description": description})


def issue_token(request: Request) -> Response:
    state = request.state
    try:
        body = json_object(request)
    except InvalidBody:
        return _token_error(400, "The request body must be a JSON object.")
    config = state.config
    if body.get("grant_type") != "client_credentials":
        return _token_error(400, "grant_type must be client_credentials")
    if body.get("audience") not in AUDIENCES:
        return _token_error(403, f"Service not enabled within domain: {body.get('audience')}")
    client_id, secret = str(body.get("client_id") or ""), str(body.get("client_secret") or "")
    if not client_id or not secret:
        return _token_error()
    if config["client_id"] and (client_id != config["client_id"] or secret != config["client_secret"]):
        return _token_error()
    lifetime = int(config["token_ttl"])
    token = "p8sim_" + secrets.token_urlsafe(24)
    state.data["tokens"][token] = fmt_instant(state.now() + dt.timedelta(seconds=lifetime))
    state.data["tokens_issued"] += 1
    return Response(200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})


ROUTER.route("POST", "/oauth/token")(issue_token)
ROUTER.route("POST", "/v1/token")(issue_token)


def check_token(request: Request) -> None:
    """401 in Pax8's envelope unless the bearer token was issued here and has not expired."""
    header = request.header("Authorization") or ""
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    expires = request.state.data["tokens"].get(token) if token else None
    if expires is None:
        raise Pax8Error(401, "Unauthorized: a valid bearer token is required", instance=request.path)
    if request.state.now() >= parse_instant(expires):
        raise Pax8Error(401, "Unauthorized: the access token has expired", instance=request.path)


# -- paging --------------------------------------------------------------------------------------


def _int_param(request: Request, name: str, default: int) -> int:
    text = request.param(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise invalid(f"{name} must be a number", request.path, name) from None


def paged(request: Request, items: list[dict[str, Any]]) -> Response:
    number = _int_param(request, "page", 0)
    size = _int_param(request, "size", DEFAULT_SIZE)
    if number < 0:
        raise invalid("page must not be negative", request.path, "page")
    if not 1 <= size <= MAX_SIZE:
        raise invalid(f"size must be between 1 and {MAX_SIZE}", request.path, "size")
    total = len(items)
    request.state.data["pages_served"] += 1
    return Response(
        200,
        {
            "content": items[number * size : (number + 1) * size],
            "page": {"size": size, "totalElements": total, "totalPages": -(-total // size), "number": number},
        },
    )


def _filtered(request: Request, items: list[dict[str, Any]], names: tuple[str, ...]) -> list[dict[str, Any]]:
    for name in names:
        wanted = request.param(name)
        if wanted is not None:
            items = [item for item in items if str(item.get(name, "")).lower() == wanted.lower()]
    return items


# -- resources -----------------------------------------------------------------------------------


@ROUTER.route("GET", "/v1/companies")
def list_companies(request: Request) -> Response:
    companies = sorted(request.state.data["companies"].values(), key=lambda c: (c["name"].lower(), c["id"]))
    return paged(request, _filtered(request, companies, ("status", "country", "city")))


@ROUTER.route("GET", "/v1/companies/{company_id}")
def get_company(request: Request, company_id: str) -> Response:
    company = request.state.data["companies"].get(company_id)
    if company is None:
        raise not_found("Company", company_id, request.path)
    return Response(200, company)


@ROUTER.route("GET", "/v1/subscriptions")
def list_subscriptions(request: Request) -> Response:
    state = request.state
    company_id = request.param("companyId")
    if company_id is not None and company_id not in state.data["companies"]:
        raise Pax8Error(403, f"Invalid companyId: {company_id}", instance=request.path)
    subscriptions = list(state.data["subscriptions"].values())
    return paged(
        request, _filtered(request, subscriptions, ("companyId", "status", "billingTerm", "productId"))
    )


@ROUTER.route("GET", "/v1/subscriptions/{subscription_id}")
def get_subscription(request: Request, subscription_id: str) -> Response:
    subscription = request.state.data["subscriptions"].get(subscription_id)
    if subscription is None:
        raise not_found("Subscription", subscription_id, request.path)
    return Response(200, subscription)


def _date_param(request: Request, name: str) -> str | None:
    text = request.param(name)
    if text is not None:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise invalid(f"{name} must be a date (yyyy-MM-dd)", request.path, name) from None
    return text


@ROUTER.route("GET", "/v1/invoices")
def list_invoices(request: Request) -> Response:
    state = request.state
    company_id = request.param("companyId")
    if company_id is not None and company_id not in state.data["companies"]:
        raise not_found("Company", company_id, request.path)
    invoices = _filtered(
        request, list(state.data["invoices"].values()), ("status", "companyId", "invoiceDate")
    )
    start, end = _date_param(request, "invoiceDateRangeStart"), _date_param(request, "invoiceDateRangeEnd")
    invoices = [
        i
        for i in invoices
        if (start is None or i["invoiceDate"] >= start) and (end is None or i["invoiceDate"] <= end)
    ]
    ascending = (request.param("sort") or "").lower().endswith(",asc")
    invoices.sort(key=lambda i: (i["invoiceDate"], i["id"]), reverse=not ascending)
    return paged(request, invoices)


@ROUTER.route("GET", "/v1/invoices/draftItems")
def draft_items(request: Request) -> Response:
    offset = _int_param(request, "monthOffset", 1)
    if offset not in (0, 1):
        raise invalid("Invalid monthOffset value", request.path, "monthOffset")
    company_id = request.param("companyId")
    if company_id is not None and company_id not in request.state.data["companies"]:
        raise not_found("Company", company_id, request.path)
    drafts = [
        d for d in request.state.data["draft_items"] if company_id is None or d.get("companyId") == company_id
    ]
    return paged(request, drafts)


@ROUTER.route("GET", "/v1/invoices/{invoice_id}")
def get_invoice(request: Request, invoice_id: str) -> Response:
    invoice = request.state.data["invoices"].get(invoice_id)
    if invoice is None:
        raise not_found("Invoice", invoice_id, request.path)
    return Response(200, invoice)


@ROUTER.route("GET", "/v1/invoices/{invoice_id}/items")
def invoice_items(request: Request, invoice_id: str) -> Response:
    if invoice_id not in request.state.data["invoices"]:
        raise not_found("Invoice", invoice_id, request.path)
    return paged(request, request.state.data["invoice_items"].get(invoice_id, []))
