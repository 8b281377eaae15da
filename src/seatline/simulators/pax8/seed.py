# SPDX-License-Identifier: AGPL-3.0-or-later
"""`/_sim/` routes that fill the Pax8 simulator (no authentication), each taking one object or a list:

* `POST /_sim/companies [{name, id?, status?, externalId?, address?, billOnBehalfOfEnabled?}]`
* `POST /_sim/subscriptions [{companyId, productName, vendorSubscriptionId?, vendorSkuId?, quantity,
  price?, partnerCost?, billingTerm?, status?, id?, productId?, startDate?}]`
* `POST /_sim/invoices [{invoiceDate?, status?, currencyCode?, companyId?, total?, items: [...]}]`:
  each item names its `subscriptionId` (company, product, quantity, cost and price are taken from
  the subscription unless given), `type`, `startPeriod`, `endPeriod`; `costTotal` = cost x quantity,
  `subTotal` = price x quantity, `amountDue` = costTotal + billingFee + salesTax, and the invoice
  `total` = the sum of `amountDue` unless given (a different total tests the importer's checksum).
* `POST /_sim/draft_items [...]` the answer of `/invoices/draftItems`.
* `POST /_sim/tokens/expire` expires every token issued (the next API call answers 401).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta

from seatline.simulators.base.clock import fmt_instant
from seatline.simulators.base.errors import InvalidBody
from seatline.simulators.base.web import Request, Response, Router

CENT = Decimal("0.01")


def _objects(request: Request) -> list[dict[str, Any]]:
    body = request.json()
    items = body if isinstance(body, list) else [body]
    if not all(isinstance(item, dict) for item in items):
        raise InvalidBody("Send a JSON object or a list of objects.")
    return items


def _money(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidBody(f"{name} must be a number.") from None
    if isinstance(value, bool) or not number.is_finite():
        raise InvalidBody(f"{name} must be a number.")
    return number


def _day(value: Any, name: str) -> str:
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise InvalidBody(f"{name} must be a date (yyyy-MM-dd).") from None


def add_company(state: Any, data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise InvalidBody("a company needs a name.")
    company = {
        "id": str(data.get("id") or uuid.uuid4()),
        "name": data["name"],
        "address": data.get("address")
        or {
            "street": "1 Main St",
            "city": "Denver",
            "postalCode": "80202",
            "country": "US",
            "stateOrProvince": "CO",
        },
        "phone": data.get("phone", "555-555-5555"),
        "website": data.get("website", "example.com"),
        "externalId": data.get("externalId", ""),
        "billOnBehalfOfEnabled": bool(data.get("billOnBehalfOfEnabled", False)),
        "selfServiceAllowed": bool(data.get("selfServiceAllowed", False)),
        "orderApprovalRequired": bool(data.get("orderApprovalRequired", False)),
        "status": data.get("status", "Active"),
        "updatedDate": fmt_instant(state.now()),
    }
    state.data["companies"][company["id"]] = company
    return company


def add_subscription(state: Any, data: dict[str, Any]) -> dict[str, Any]:
    company_id = data.get("companyId")
    if company_id not in state.data["companies"]:
        raise InvalidBody(f"companyId {company_id!r} is not a company of the simulator.")
    subscription: dict[str, Any] = {
        "id": str(data.get("id") or uuid.uuid4()),
        "companyId": company_id,
        "productId": str(
            data.get("productId") or uuid.uuid5(uuid.NAMESPACE_URL, str(data.get("productName")))
        ),
        "productName": str(data.get("productName") or "Microsoft 365 Business Basic"),
        "vendorSubscriptionId": str(data.get("vendorSubscriptionId") or ""),
        "vendorSkuId": str(data.get("vendorSkuId") or ""),
        "quantity": int(_money(data.get("quantity", 1), "quantity")),
        "startDate": data.get("startDate") or fmt_instant(state.now()),
        "createdDate": fmt_instant(state.now()),
        "updatedDate": fmt_instant(state.now()),
        "billingStart": _day(
            data.get("billingStart") or data.get("startDate") or state.now().date(), "billingStart"
        ),
        "status": data.get("status", "Active"),
        "price": _money(data.get("price", "0"), "price"),
        "partnerCost": _money(data.get("partnerCost", data.get("price", "0")), "partnerCost"),
        "currencyCode": data.get("currencyCode", "USD"),
        "billingTerm": data.get("billingTerm", "Monthly"),
    }
    if data.get("endDate"):
        subscription["endDate"] = data["endDate"]
    if data.get("commitmentTerm"):
        subscription["commitmentTerm"] = data["commitmentTerm"]
    state.data["subscriptions"][subscription["id"]] = subscription
    return subscription


def _item(state: Any, invoice: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    subscription = state.data["subscriptions"].get(data.get("subscriptionId")) or {}
    if data.get("subscriptionId") and not subscription and not data.get("companyId"):
        raise InvalidBody(
            f"subscriptionId {data['subscriptionId']!r} is unknown: give companyId and amounts."
        )
    company = state.data["companies"].get(data.get("companyId") or subscription.get("companyId")) or {}
    quantity = _money(data.get("quantity", subscription.get("quantity", 1)), "quantity")
    cost = _money(data.get("cost", subscription.get("partnerCost", "0")), "cost")
    price = _money(data.get("price", subscription.get("price", "0")), "price")
    fee = _money(data.get("billingFee", "0"), "billingFee")
    tax = _money(data.get("salesTax", "0"), "salesTax")
    cost_total = (
        _money(data["costTotal"], "costTotal")
        if "costTotal" in data
        else (cost * quantity).quantize(CENT, ROUND_HALF_UP)
    )
    sub_total = (
        _money(data["subTotal"], "subTotal")
        if "subTotal" in data
        else (price * quantity).quantize(CENT, ROUND_HALF_UP)
    )
    start = _day(data.get("startPeriod") or invoice["invoiceDate"], "startPeriod")
    end_default = dt.date.fromisoformat(start) + relativedelta(months=1) - dt.timedelta(days=1)
    return {
        "id": str(data.get("id") or uuid.uuid4()),
        "purchaseOrderNumber": data.get("purchaseOrderNumber", "N/A"),
        "type": data.get("type", "subscription"),
        "companyId": company.get("id", data.get("companyId", "")),
        "externalId": company.get("externalId", ""),
        "companyName": company.get("name", data.get("companyName", "")),
        "startPeriod": start,
        "endPeriod": _day(data.get("endPeriod") or end_default, "endPeriod"),
        "quantity": quantity,
        "unitOfMeasure": data.get("unitOfMeasure", "User"),
        "term": data.get("term", subscription.get("billingTerm", "Monthly")),
        "sku": data.get("sku", ""),
        "description": data.get("description", subscription.get("productName", "")),
        "details": data.get("details", ""),
        "rateType": data.get("rateType", "flat"),
        "chargeType": data.get("chargeType", "per"),
        "price": price,
        "subTotal": sub_total,
        "cost": cost,
        "costTotal": cost_total,
        "offeredBy": data.get("offeredBy", "Pax8"),
        "billedByPax8": bool(data.get("billedByPax8", False)),
        "total": _money(data["total"], "total") if "total" in data else sub_total + tax,
        "productId": data.get("productId", subscription.get("productId", "")),
        "productName": data.get("productName", subscription.get("productName", "")),
        "billingFee": fee,
        "billingFeeRate": _money(data.get("billingFeeRate", "0"), "billingFeeRate"),
        "amountDue": _money(data["amountDue"], "amountDue")
        if "amountDue" in data
        else cost_total + fee + tax,
        "currencyCode": invoice["currencyCode"],
        "salesTax": tax,
        "subscriptionId": data.get("subscriptionId"),
        "vendorName": data.get("vendorName", "Microsoft"),
    }


def add_invoice(state: Any, data: dict[str, Any]) -> dict[str, Any]:
    today = state.now().date()
    invoice_date = _day(data.get("invoiceDate") or today.replace(day=1), "invoiceDate")
    invoice: dict[str, Any] = {
        "id": str(data.get("id") or uuid.uuid4()),
        "invoiceDate": invoice_date,
        "dueDate": _day(
            data.get("dueDate") or dt.date.fromisoformat(invoice_date) + dt.timedelta(days=14), "dueDate"
        ),
        "status": data.get("status", "Unpaid"),
        "currencyCode": data.get("currencyCode", "USD"),
        "partnerName": data.get("partnerName", state.config["partner_name"]),
    }
    if data.get("companyId"):
        invoice["companyId"] = data["companyId"]
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list) or not all(isinstance(item, dict) for item in raw_items):
        raise InvalidBody("items must be a list of objects.")
    items = [_item(state, invoice, item) for item in raw_items]
    total = (
        _money(data["total"], "total")
        if "total" in data
        else sum((i["amountDue"] for i in items), Decimal(0))
    )
    invoice.update(
        total=total, balance=_money(data.get("balance", total), "balance"), carriedBalance=Decimal(0)
    )
    state.data["invoices"][invoice["id"]] = invoice
    state.data["invoice_items"][invoice["id"]] = items
    return {**invoice, "items": len(items)}


def install_seed(router: Router) -> None:
    def seeding(adder: Any) -> Any:
        def handler(request: Request) -> Response:
            made = [adder(request.state, item) for item in _objects(request)]
            return Response(201, made)

        return handler

    router.route("POST", "/_sim/companies")(seeding(add_company))
    router.route("POST", "/_sim/subscriptions")(seeding(add_subscription))
    router.route("POST", "/_sim/invoices")(seeding(add_invoice))

    @router.route("POST", "/_sim/draft_items")
    def set_drafts(request: Request) -> Response:
        request.state.data["draft_items"] = _objects(request)
        return Response(200, {"draftItems": len(request.state.data["draft_items"])})

    @router.route("POST", "/_sim/tokens/expire")
    def expire_tokens(request: Request) -> Response:
        state = request.state
        now = fmt_instant(state.now())
        for token in state.data["tokens"]:
            state.data["tokens"][token] = now
        return Response(200, {"expired": len(state.data["tokens"])})

    @router.route("GET", "/_sim/stats")
    def stats(request: Request) -> Response:
        data = request.state.data
        return Response(200, {"tokensIssued": data["tokens_issued"], "pagesServed": data["pages_served"]})
