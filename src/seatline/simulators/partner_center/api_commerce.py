# SPDX-License-Identifier: AGPL-3.0-or-later
"""Catalog, carts, checkout, orders and subscriptions (6.2 rows 6-11)."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from seatline.simulators.partner_center import catalog, rules
from seatline.simulators.partner_center.api_customers import customer_or_404, has_mca
from seatline.simulators.partner_center.catalog import CURRENCY, CURRENCY_SYMBOL, Offer, find_offer
from seatline.simulators.partner_center.clock import fmt_instant, parse_instant
from seatline.simulators.partner_center.errors import ApiError, bad_request, not_found
from seatline.simulators.partner_center.state import SimState, new_id
from seatline.simulators.partner_center.web import Request, Response, collection, route

CART_LIFETIME = dt.timedelta(days=7)
PARTNER_USER = "admin@simulatedpartner.onmicrosoft.com"
CENT = Decimal("0.01")


# -- catalog -----------------------------------------------------------------------------------


def _country(request: Request) -> str:
    country = request.param("country")
    if not country:
        raise bad_request("The country query parameter is required.")
    return country


def _offers_of(product_id: str, sku_id: str | None = None) -> list[Offer]:
    offers = catalog.products_for(product_id)
    if not offers:
        raise not_found(f"Product {product_id} wasn't found.", 400013, "ProductNotFound")
    if sku_id is not None:
        offers = [o for o in offers if o.sku_id.lower() == sku_id.lower()]
        if not offers:
            raise not_found(f"SKU {sku_id} wasn't found.", 400018, "SkuNotFound")
    return offers


@route("GET", "/v1/products")
@route("GET", "/v1/customers/{customer_id}/products")
def list_products(request: Request, customer_id: str | None = None) -> Response:
    if customer_id:
        customer_or_404(request.state, customer_id)
    else:
        _country(request)
    view = (request.param("targetView") or "OnlineServices").lower()
    wanted = catalog.AZURE if view in ("microsoftazure", "azure") else catalog.NCE
    seen: dict[str, dict[str, Any]] = {}
    for offer in catalog.OFFERS:
        if offer.product_type == wanted and offer.product_id not in seen:
            seen[offer.product_id] = catalog.product_resource(offer)
    return Response(200, collection(list(seen.values())))


@route("GET", "/v1/products/{product_id}")
def get_product(request: Request, product_id: str) -> Response:
    return Response(200, catalog.product_resource(_offers_of(product_id)[0]))


@route("GET", "/v1/products/{product_id}/skus")
@route("GET", "/v1/customers/{customer_id}/products/{product_id}/skus")
def list_skus(request: Request, product_id: str, customer_id: str | None = None) -> Response:
    return Response(200, collection([catalog.sku_resource(o) for o in _offers_of(product_id)]))


@route("GET", "/v1/products/{product_id}/skus/{sku_id}")
def get_sku(request: Request, product_id: str, sku_id: str) -> Response:
    return Response(200, catalog.sku_resource(_offers_of(product_id, sku_id)[0]))


@route("GET", "/v1/products/{product_id}/skus/{sku_id}/availabilities")
@route("GET", "/v1/customers/{customer_id}/products/{product_id}/skus/{sku_id}/availabilities")
def list_availabilities(
    request: Request, product_id: str, sku_id: str, customer_id: str | None = None
) -> Response:
    return Response(
        200, collection([catalog.availability_resource(o) for o in _offers_of(product_id, sku_id)])
    )


@route("GET", "/v1/products/{product_id}/skus/{sku_id}/availabilities/{availability_id}")
def get_availability(request: Request, product_id: str, sku_id: str, availability_id: str) -> Response:
    for offer in _offers_of(product_id, sku_id):
        if offer.availability_id.lower() == availability_id.lower():
            return Response(200, catalog.availability_resource(offer))
    raise not_found(f"Availability {availability_id} not found.", 400019, "AvailabilityNotFound")


# -- carts -------------------------------------------------------------------------------------


def _pricing(offer: Offer, term: str | None, cycle: str, quantity: int) -> dict[str, Any]:
    if term is None:
        zero = Decimal("0")
        return {
            "listPrice": zero,
            "discountedPrice": zero,
            "proratedPrice": zero,
            "price": zero,
            "extendedPrice": zero,
        }
    unit = offer.period_price(term, cycle)
    return {
        "listPrice": unit,
        "discountedPrice": unit,
        "proratedPrice": unit,
        "price": unit,
        "extendedPrice": (offer.term_price(term, cycle) * quantity).quantize(CENT),
    }


def _cart_error(code: int, name: str, description: str) -> ApiError:
    return ApiError(400, code, description, name)


def _line(index: int, line: Any) -> dict[str, Any]:
    if not isinstance(line, dict):
        raise _cart_error(10010, "InvalidInput", f"Line item {index} must be an object.")
    catalog_id = line.get("catalogItemId") or line.get("catalogId")
    offer = find_offer(catalog_id)
    if offer is None:
        raise _cart_error(10001, "CatalogItemIdIsNotValid", f"The catalog item ID {catalog_id} isn't valid.")
    quantity = line.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise _cart_error(10010, "InvalidInput", f"Line item {index}: quantity must be an integer.")
    if quantity > offer.max_quantity:
        raise _cart_error(
            10015,
            "MaxAllowedSeatsPerSubscriptionExceeded",
            f"Line item {index}: at most {offer.max_quantity} seats are allowed per subscription.",
        )
    if quantity < max(1, offer.min_quantity):
        raise _cart_error(
            900275,
            "QuantityNotAllowed",
            f"The requested quantity for line item {index} is not within the allowed quantity for this offer.",
        )
    cycle = catalog.normalise_cycle(line.get("billingCycle"))
    term = line.get("termDuration") or None
    if offer.is_usage:
        if term is not None or cycle not in (None, "OneTime"):
            raise _cart_error(
                10010, "InvalidInput", f"Line item {index}: {offer.title} takes no term or billing cycle."
            )
        cycle = "OneTime"
    elif (term, cycle) not in offer.terms:
        raise _cart_error(
            10010,
            "InvalidInput",
            f"Line item {index}: termDuration {term!r} with billingCycle {line.get('billingCycle')!r} isn't offered "
            f"for {offer.catalog_item_id}.",
        )
    if line.get("customTermEndDate"):
        raise _cart_error(10010, "InvalidInput", "customTermEndDate isn't supported by the simulator.")
    friendly = line.get("friendlyName")
    return {
        "id": index,
        "catalogItemId": offer.catalog_item_id,
        "friendlyName": friendly if isinstance(friendly, str) and friendly.strip() else offer.title,
        "quantity": quantity,
        "currencyCode": CURRENCY,
        "billingCycle": cycle,
        "termDuration": term,
        "participants": line.get("participants") or [],
        "provisioningContext": line.get("provisioningContext") or {},
        "orderGroup": "0",
        "pricing": _pricing(offer, term, cycle, quantity),
    }


def _lines(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("lineItems"), list) or not body["lineItems"]:
        raise _cart_error(10010, "InvalidInput", "A cart needs at least one line item.")
    return [_line(index, line) for index, line in enumerate(body["lineItems"])]


def _cart_or_404(state: SimState, customer_id: str, cart_id: str) -> dict[str, Any]:
    entry = state.data["carts"].get(cart_id.lower())
    if entry is None or entry["customerId"] != customer_id:
        raise not_found(f"Unable to retrieve cart ID {cart_id}.", 800008, "CartNotFound")
    return entry["cart"]


@route("POST", "/v1/customers/{customer_id}/carts")
def create_cart(request: Request, customer_id: str) -> Response:
    state = request.state
    customer = customer_or_404(state, customer_id)
    lines = _lines(request.json())
    now = state.now()
    cart_id = new_id()
    cart = {
        "id": cart_id,
        "creationTimestamp": fmt_instant(now),
        "lastModifiedTimestamp": fmt_instant(now),
        "expirationTimestamp": fmt_instant(now + CART_LIFETIME),
        "lastModifiedUser": PARTNER_USER,
        "status": "Active",
        "lineItems": lines,
        "links": {
            "self": {"uri": f"/customers/{customer['id']}/carts/{cart_id}", "method": "GET", "headers": []}
        },
        "attributes": {"objectType": "Cart"},
    }
    state.data["carts"][cart_id] = {"customerId": customer["id"], "cart": cart}
    return Response(201, copy.deepcopy(cart))


@route("GET", "/v1/customers/{customer_id}/carts/{cart_id}")
def get_cart(request: Request, customer_id: str, cart_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    return Response(200, copy.deepcopy(_cart_or_404(request.state, customer["id"], cart_id)))


@route("PUT", "/v1/customers/{customer_id}/carts/{cart_id}")
def update_cart(request: Request, customer_id: str, cart_id: str) -> Response:
    state = request.state
    customer = customer_or_404(state, customer_id)
    cart = _cart_or_404(state, customer["id"], cart_id)
    if cart["status"] != "Active":
        raise bad_request(f"Cart {cart_id} was already submitted and can't be changed.", 800065)
    cart["lineItems"] = _lines(request.json())
    cart["lastModifiedTimestamp"] = fmt_instant(state.now())
    return Response(200, copy.deepcopy(cart))


def _order_line(number: int, line: dict[str, Any], subscription_id: str | None) -> dict[str, Any]:
    offer = find_offer(line["catalogItemId"])
    assert offer is not None
    result = {
        "lineItemNumber": number,
        "offerId": line["catalogItemId"],
        "termDuration": line["termDuration"],
        "transactionType": "New",
        "friendlyName": line["friendlyName"],
        "quantity": line["quantity"],
        "pricing": copy.deepcopy(line["pricing"]),
        "links": {
            "product": {"uri": f"/products/{offer.product_id}?country=US", "method": "GET", "headers": []},
            "sku": {
                "uri": f"/products/{offer.product_id}/skus/{offer.sku_id}?country=US",
                "method": "GET",
                "headers": [],
            },
        },
    }
    if subscription_id:
        result["subscriptionId"] = subscription_id
    return result


def provision_order(state: SimState, order_id: str, at: dt.datetime) -> None:
    """Create the subscriptions of a (pending) order and mark it completed."""
    entry = state.data["orders"][order_id]
    order = entry["order"]
    for number, line in enumerate(entry.pop("pendingLines")):
        offer = find_offer(line["catalogItemId"])
        assert offer is not None
        sub = rules.create(
            state,
            customer_id=entry["customerId"],
            order_id=order_id,
            offer=offer,
            term=line["termDuration"],
            cycle=line["billingCycle"],
            quantity=line["quantity"],
            friendly_name=line["friendlyName"],
            at=at,
        )
        order["lineItems"][number]["subscriptionId"] = sub["id"]
    order["status"] = "completed"
    entry["completeAt"] = None


@route("POST", "/v1/customers/{customer_id}/carts/{cart_id}/checkout")
def checkout(request: Request, customer_id: str, cart_id: str) -> Response:
    state = request.state
    customer = customer_or_404(state, customer_id)
    cart = _cart_or_404(state, customer["id"], cart_id)
    now = state.now()
    if cart["status"] != "Active":
        raise bad_request(
            f"Can't check out an already submitted cart {cart_id}.", 800065, "CartAlreadySubmitted"
        )
    if now > parse_instant(cart["expirationTimestamp"]):
        raise bad_request(f"Cart {cart_id} has expired.", 800002, "CartExpired")
    if not has_mca(state, customer["id"]):
        raise ApiError(
            403,
            13605,
            "Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be "
            "provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center "
            "before you can complete this purchase.",
            "CustomerAgreementNotAccepted",
        )
    groups: dict[str, list[dict[str, Any]]] = {}
    for line in cart["lineItems"]:
        groups.setdefault(line["billingCycle"], []).append(line)
    delay = bool(state.data["delay_provisioning"])
    orders = []
    for cycle, lines in groups.items():
        order_id = secrets.token_hex(16)
        base = f"/customers/{customer['id']}/orders/{order_id}"
        order = {
            "id": order_id,
            "alternateId": secrets.token_hex(6),
            "referenceCustomerId": customer["id"],
            "billingCycle": cycle.lower(),
            "currencyCode": CURRENCY,
            "currencySymbol": CURRENCY_SYMBOL,
            "lineItems": [_order_line(n, line, None) for n, line in enumerate(lines)],
            "creationDate": fmt_instant(now),
            "status": "pending",
            "transactionType": "UserPurchase",
            "links": {
                "self": {"uri": base, "method": "GET", "headers": []},
                "provisioningStatus": {"uri": f"{base}/provisioningstatus", "method": "GET", "headers": []},
            },
            "attributes": {"objectType": "Order"},
        }
        complete_at = now + dt.timedelta(seconds=int(state.config["provisioning_delay_seconds"]))
        state.data["orders"][order_id] = {
            "customerId": customer["id"],
            "order": order,
            "pendingLines": copy.deepcopy(lines),
            "completeAt": fmt_instant(complete_at) if delay else None,
        }
        if not delay:
            provision_order(state, order_id, now)
        orders.append(order)
    cart["status"] = "Ordered"
    cart["lastModifiedTimestamp"] = fmt_instant(now)
    body = {
        "orders": copy.deepcopy(orders),
        "orderErrors": [],
        "attributes": {"objectType": "CartCheckoutResult"},
    }
    return Response(201, body)


# -- orders and subscriptions ------------------------------------------------------------------


def _customer_orders(state: SimState, customer_id: str) -> list[dict[str, Any]]:
    return [e["order"] for e in state.data["orders"].values() if e["customerId"] == customer_id]


@route("GET", "/v1/customers/{customer_id}/orders")
def list_orders(request: Request, customer_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    return Response(200, collection(copy.deepcopy(_customer_orders(request.state, customer["id"]))))


def _order_or_404(state: SimState, customer_id: str, order_id: str) -> dict[str, Any]:
    entry = state.data["orders"].get(order_id)
    if entry is None or entry["customerId"] != customer_id:
        raise not_found(f"Order ID {order_id} not found.", 20000, "OrderNotFound")
    return entry["order"]


@route("GET", "/v1/customers/{customer_id}/orders/{order_id}")
def get_order(request: Request, customer_id: str, order_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    return Response(200, copy.deepcopy(_order_or_404(request.state, customer["id"], order_id)))


@route("GET", "/v1/customers/{customer_id}/orders/{order_id}/provisioningstatus")
def order_provisioning(request: Request, customer_id: str, order_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    order = _order_or_404(request.state, customer["id"], order_id)
    items = [
        {
            "lineItemNumber": line["lineItemNumber"],
            "status": "fulfilled" if line.get("subscriptionId") else "pending",
            "quantity": line["quantity"],
            "resourceUri": line.get("subscriptionId"),
        }
        for line in order["lineItems"]
    ]
    return Response(200, collection(items))


def _sub_or_404(state: SimState, customer_id: str, sub_id: str) -> dict[str, Any]:
    sub = state.data["subscriptions"].get(sub_id.lower())
    if sub is None or sub["customerId"] != customer_id:
        raise not_found(f"Subscription with ID {sub_id} not found.", 20003, "SubscriptionNotFound")
    return sub


@route("GET", "/v1/customers/{customer_id}/subscriptions")
def list_subscriptions(request: Request, customer_id: str) -> Response:
    state = request.state
    customer = customer_or_404(state, customer_id)
    order_id = request.param("order_id")
    items = [
        rules.render(state, sub)
        for sub in state.data["subscriptions"].values()
        if sub["customerId"] == customer["id"] and order_id in (None, sub["orderId"])
    ]
    return Response(200, collection(items))


@route("GET", "/v1/customers/{customer_id}/subscriptions/{sub_id}")
def get_subscription(request: Request, customer_id: str, sub_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    return Response(200, rules.render(request.state, _sub_or_404(request.state, customer["id"], sub_id)))


@route("GET", "/v1/customers/{customer_id}/subscriptions/{sub_id}/provisioningstatus")
def subscription_provisioning(request: Request, customer_id: str, sub_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    sub = _sub_or_404(request.state, customer["id"], sub_id)
    offer = rules.offer_of(sub)
    end = rules.render(request.state, sub).get("commitmentEndDate")
    body = {"skuId": offer.sku_id, "status": "success", "quantity": sub["quantity"], "endDate": end}
    return Response(200, {**body, "attributes": {"objectType": "SubscriptionProvisioningStatus"}})


@route("PATCH", "/v1/customers/{customer_id}/subscriptions/{sub_id}")
def patch_subscription(request: Request, customer_id: str, sub_id: str) -> Response:
    state = request.state
    customer = customer_or_404(state, customer_id)
    sub = _sub_or_404(state, customer["id"], sub_id)
    body = rules.patch(state, sub["id"], request.json(), request.header("If-Match"))
    return Response(200, body)
