# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center new-commerce catalog (product -> SKU -> availability) and purchasing via carts.

Purchasing = `POST /customers/{id}/carts` + `POST .../carts/{cartId}/checkout`. Provisioning is
asynchronous: an order line only carries its `subscriptionId` once provisioned, so pending lines
are polled (the order, then `subscriptions?order_id=`) for a bounded time; what is still pending
afterwards is reported in `OrderResult.pending` for a later sync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from seatline.connectors.base import (
    Offer,
    OfferTerm,
    OrderLine,
    OrderResult,
    PendingOrderLine,
    ProviderSubscription,
)
from seatline.connectors.errors import ProviderError
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.errors import error_for_code, parse_code
from seatline.connectors.partner_center.parsing import JsonObject, int_value, obj, text
from seatline.connectors.partner_center.subscriptions import SubscriptionsApi

ONLINE_SERVICES_VIEW = "OnlineServices"


def parse_offer(product: JsonObject, sku: JsonObject, availability: JsonObject) -> Offer:
    terms = []
    for term in availability.get("terms") or []:
        term = obj(term)
        terms.append(
            OfferTerm(
                term_duration=text(term.get("duration")),
                billing_cycle=text(term.get("billingCycle")).lower(),
                description=text(term.get("description")),
            )
        )
    product_id = text(availability.get("productId") or product.get("id"))
    sku_id = text(availability.get("skuId") or sku.get("id"))
    availability_id = text(availability.get("id"))
    catalog_item_id = text(availability.get("catalogItemId")) or f"{product_id}:{sku_id}:{availability_id}"
    minimum = sku.get("minimumQuantity")
    maximum = sku.get("maximumQuantity")
    return Offer(
        id=catalog_item_id,
        product_id=product_id,
        sku_id=sku_id,
        availability_id=availability_id,
        title=text(product.get("title")),
        sku_title=text(sku.get("title")),
        description=text(sku.get("description") or product.get("description")),
        min_quantity=int_value(minimum) if minimum is not None else None,
        max_quantity=int_value(maximum) if maximum is not None else None,
        currency=text(obj(availability.get("defaultCurrency")).get("code")),
        segment=text(availability.get("segment")),
        country=text(availability.get("country")),
        is_purchasable=availability.get("isPurchasable") is not False,
        is_trial=bool(sku.get("isTrial")),
        terms=tuple(terms),
    )


def list_offers(client: PartnerCenterClient, country: str, *, target_segment: str = "") -> list[Offer]:
    """Every purchasable availability of the OnlineServices view for `country` (many calls)."""
    params: dict[str, str | int] = {"country": country, "targetView": ONLINE_SERVICES_VIEW}
    if target_segment:
        params["targetSegment"] = target_segment
    offers: list[Offer] = []
    for product in client.iter_items("/v1/products", params=params):
        product_id = quote(text(product.get("id")), safe="")
        for sku in client.iter_items(f"/v1/products/{product_id}/skus", params={"country": country}):
            sku_id = quote(text(sku.get("id")), safe="")
            availability_params: dict[str, str | int] = {"country": country}
            if target_segment:
                availability_params["targetSegment"] = target_segment
            for availability in client.iter_items(
                f"/v1/products/{product_id}/skus/{sku_id}/availabilities", params=availability_params
            ):
                offers.append(parse_offer(product, sku, availability))
    return offers


def cart_body(lines: list[OrderLine]) -> JsonObject:
    items = []
    for number, line in enumerate(lines):
        item: JsonObject = {
            "id": number,
            "catalogItemId": line.offer_id,
            "quantity": line.quantity,
            "termDuration": line.term_duration,
            "billingCycle": line.billing_cycle,
        }
        if line.friendly_name:
            item["friendlyName"] = line.friendly_name
        if line.custom_term_end_date is not None:
            item["customTermEndDate"] = line.custom_term_end_date.isoformat()
        if line.promotion_id:
            item["promotionId"] = line.promotion_id
        if line.attestation_accepted:
            item["attestationAccepted"] = True
        items.append(item)
    return {"lineItems": items}


def _raise_cart_line_errors(cart: JsonObject) -> None:
    for line in cart.get("lineItems") or []:
        error = obj(obj(line).get("error"))
        if error:
            raw = error.get("errorCode", error.get("code"))
            raise error_for_code(
                http_status=None,
                provider_code=parse_code(raw),
                provider_name=text(raw) or None,
                provider_message=text(error.get("errorDetails") or error.get("description")) or None,
            )


def _raise_order_errors(result: JsonObject) -> None:
    errors = [obj(error) for error in result.get("orderErrors") or []]
    if errors and not result.get("orders"):
        first = errors[0]
        raise error_for_code(
            http_status=None,
            provider_code=parse_code(first.get("code")),
            provider_message=text(first.get("description")) or None,
        )
    if errors:  # some order groups failed, others were placed: report loudly, keep what was bought
        raise ProviderError(
            "Partner Center placed only part of the order: "
            + "; ".join(f"{e.get('code')}: {e.get('description')}" for e in errors),
            provider_code=parse_code(errors[0].get("code")),
            provider_message=text(errors[0].get("description")) or None,
        )


class OrdersApi:
    def __init__(
        self,
        client: PartnerCenterClient,
        subscriptions: SubscriptionsApi,
        *,
        poll_interval: float = 5.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.client = client
        self.subscriptions = subscriptions
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self._sleep = sleep or client.sleep

    def order(self, customer_id: str, lines: list[OrderLine]) -> OrderResult:
        if not lines:
            raise ValueError("an order needs at least one line")
        customer = quote(customer_id, safe="")
        correlation_id = self.client.new_correlation_id()
        cart = obj(
            self.client.request(
                "POST",
                f"/v1/customers/{customer}/carts",
                json=cart_body(lines),
                correlation_id=correlation_id,
            ).data
        )
        _raise_cart_line_errors(cart)
        cart_id = quote(text(cart.get("id")), safe="")
        result = obj(
            self.client.request(
                "POST", f"/v1/customers/{customer}/carts/{cart_id}/checkout", correlation_id=correlation_id
            ).data
        )
        _raise_order_errors(result)
        orders = [obj(order) for order in result.get("orders") or []]
        subscriptions: list[ProviderSubscription] = []
        pending: list[PendingOrderLine] = []
        for order in orders:
            found, waiting = self._settle(customer_id, order)
            subscriptions.extend(found)
            pending.extend(waiting)
        return OrderResult(
            order_ids=tuple(text(order.get("id")) for order in orders),
            subscriptions=tuple(subscriptions),
            pending=tuple(pending),
        )

    def _settle(
        self, customer_id: str, order: JsonObject
    ) -> tuple[list[ProviderSubscription], list[PendingOrderLine]]:
        """Subscriptions of an order's lines, polling a bounded time for pending provisioning."""
        order_id = text(order.get("id"))
        waited = 0.0  # a budget of sleep time: bounded polls, deterministic with a fake sleep
        while True:
            lines = [obj(line) for line in order.get("lineItems") or []]
            found, unresolved = self._resolve(customer_id, order_id, lines)
            if not unresolved:
                return found, []
            if waited + self.poll_interval > self.max_wait:
                waiting = [
                    PendingOrderLine(
                        order_id=order_id,
                        line_number=int_value(line.get("lineItemNumber")),
                        offer_id=text(line.get("offerId")),
                        quantity=int_value(line.get("quantity")),
                    )
                    for line in unresolved
                ]
                return found, waiting
            self._sleep(self.poll_interval)
            waited += self.poll_interval
            order = obj(self.get_order(customer_id, order_id))

    def _resolve(
        self, customer_id: str, order_id: str, lines: list[JsonObject]
    ) -> tuple[list[ProviderSubscription], list[JsonObject]]:
        found: list[ProviderSubscription] = []
        missing: list[JsonObject] = []
        for line in lines:
            subscription_id = text(line.get("subscriptionId"))
            if subscription_id:
                found.append(self.subscriptions.get(customer_id, subscription_id))
            else:
                missing.append(line)
        if not missing:
            return found, []
        # Lines without subscriptionId yet: the order's subscriptions may already exist.
        known = {subscription.id for subscription in found}
        candidates = [
            s
            for s in self.subscriptions.list(customer_id, order_id=order_id)
            if s.id not in known and (not s.order_id or s.order_id == order_id)
        ]
        unresolved: list[JsonObject] = []
        for line in missing:
            match = next((s for s in candidates if s.offer_id == text(line.get("offerId"))), None)
            if match is None:
                unresolved.append(line)
            else:
                candidates.remove(match)
                found.append(match)
        return found, unresolved

    def get_order(self, customer_id: str, order_id: str) -> Any:
        return self.client.get(
            f"/v1/customers/{quote(customer_id, safe='')}/orders/{quote(order_id, safe='')}"
        )
