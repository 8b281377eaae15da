# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center new-commerce catalog (product -> SKU -> availability) and purchasing via carts.

Purchasing = `POST /customers/{id}/carts` + `POST .../carts/{cartId}/checkout`. Provisioning is
asynchronous: an order line only carries its `subscriptionId` once provisioned, so pending lines
are polled (the order, then `subscriptions?order_id=`) for a bounded time; what is still pending
afterwards is reported in `OrderResult.pending` for a later sync.
"""

from __future__ import annotations

from collections.abc import Callable
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
from seatline.connectors.partner_center.parsing import Fields, JsonObject, text
from seatline.connectors.partner_center.subscriptions import SubscriptionsApi

ONLINE_SERVICES_VIEW = "OnlineServices"


def parse_offer(product: object, sku: object, availability: object) -> Offer:
    product_f = product if isinstance(product, Fields) else Fields(product)
    sku_f = sku if isinstance(sku, Fields) else Fields(sku)
    avail = availability if isinstance(availability, Fields) else Fields(availability)
    terms = tuple(
        OfferTerm(
            term_duration=term.text("duration"),
            billing_cycle=term.text("billingCycle").lower(),
            description=term.text("description"),
        )
        for term in avail.children("terms")
    )
    product_id = avail.text("productId") or product_f.text("id")
    sku_id = avail.text("skuId") or sku_f.text("id")
    availability_id = avail.text("id")
    catalog_item_id = avail.text("catalogItemId") or f"{product_id}:{sku_id}:{availability_id}"
    minimum = sku_f.value("minimumQuantity")
    maximum = sku_f.value("maximumQuantity")
    return Offer(
        id=catalog_item_id,
        product_id=product_id,
        sku_id=sku_id,
        availability_id=availability_id,
        title=product_f.text("title"),
        sku_title=sku_f.text("title"),
        description=sku_f.text("description") or product_f.text("description"),
        min_quantity=sku_f.integer("minimumQuantity") if minimum is not None else None,
        max_quantity=sku_f.integer("maximumQuantity") if maximum is not None else None,
        currency=avail.child("defaultCurrency").text("code"),
        segment=avail.text("segment"),
        country=avail.text("country"),
        is_purchasable=avail.value("isPurchasable") is not False,
        is_trial=sku_f.flag("isTrial"),
        terms=terms,
    )


def list_offers(client: PartnerCenterClient, country: str, *, target_segment: str = "") -> list[Offer]:
    """Every purchasable availability of the OnlineServices view for `country` (many calls)."""
    params: dict[str, str | int] = {"country": country, "targetView": ONLINE_SERVICES_VIEW}
    if target_segment:
        params["targetSegment"] = target_segment
    offers: list[Offer] = []
    for product in client.iter_items("/v1/products", params=params):
        product_id = quote(product.text("id"), safe="")
        for sku in client.iter_items(f"/v1/products/{product_id}/skus", params={"country": country}):
            sku_id = quote(sku.text("id"), safe="")
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


def _raise_cart_line_errors(cart: Fields) -> None:
    for line in cart.children("lineItems"):
        error = line.child("error")
        if error:
            raw = error.value("errorCode", error.value("code"))
            raise error_for_code(
                http_status=None,
                provider_code=parse_code(raw),
                provider_name=text(raw) or None,
                provider_message=error.text("errorDetails") or error.text("description") or None,
            )


def _raise_order_errors(result: Fields) -> None:
    errors = list(result.children("orderErrors"))
    if errors and not list(result.children("orders")):
        first = errors[0]
        raise error_for_code(
            http_status=None,
            provider_code=parse_code(first.value("code")),
            provider_message=first.text("description") or None,
        )
    if errors:  # some order groups failed, others were placed: report loudly, keep what was bought
        raise ProviderError(
            "Partner Center placed only part of the order: "
            + "; ".join(f"{e.text('code')}: {e.text('description')}" for e in errors),
            provider_code=parse_code(errors[0].value("code")),
            provider_message=errors[0].text("description") or None,
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
        cart = self.client.request(
            "POST",
            f"/v1/customers/{customer}/carts",
            json=cart_body(lines),
            correlation_id=correlation_id,
        ).fields()
        _raise_cart_line_errors(cart)
        cart_id = quote(cart.require_text("id"), safe="")
        result = self.client.request(
            "POST", f"/v1/customers/{customer}/carts/{cart_id}/checkout", correlation_id=correlation_id
        ).fields()
        _raise_order_errors(result)
        orders = list(result.children("orders"))
        if not orders:
            raise result.bad("names no order")
        for order in orders:
            order.require_text("id")
        subscriptions: list[ProviderSubscription] = []
        pending: list[PendingOrderLine] = []
        try:
            for order in orders:
                found, waiting = self._settle(customer_id, order)
                subscriptions.extend(found)
                pending.extend(waiting)
        except ProviderError as error:  # the purchase went through: say so, whatever failed next
            placed = ", ".join(order.text("id") for order in orders)
            error.message = (
                f"order {placed} was placed, but reading its subscriptions failed: {error.message} "
                "(sync the customer's subscriptions to link them; ordering again would buy them twice)"
            )
            error.args = (error.message,)
            raise
        return OrderResult(
            order_ids=tuple(order.text("id") for order in orders),
            subscriptions=tuple(subscriptions),
            pending=tuple(pending),
        )

    def _settle(
        self, customer_id: str, order: Fields
    ) -> tuple[list[ProviderSubscription], list[PendingOrderLine]]:
        """Subscriptions of an order's lines, polling a bounded time for pending provisioning."""
        order_id = order.text("id")
        waited = 0.0  # a budget of sleep time: bounded polls, deterministic with a fake sleep
        while True:
            lines = list(order.children("lineItems"))
            found, unresolved = self._resolve(customer_id, order_id, lines)
            if not unresolved:
                return found, []
            if waited + self.poll_interval > self.max_wait:
                waiting = [
                    PendingOrderLine(
                        order_id=order_id,
                        line_number=line.integer("lineItemNumber"),
                        offer_id=line.text("offerId"),
                        quantity=line.integer("quantity"),
                    )
                    for line in unresolved
                ]
                return found, waiting
            self._sleep(self.poll_interval)
            waited += self.poll_interval
            order = self.get_order(customer_id, order_id)

    def _resolve(
        self, customer_id: str, order_id: str, lines: list[Fields]
    ) -> tuple[list[ProviderSubscription], list[Fields]]:
        """The subscription of each line that has one, checked against the line's quantity."""
        found: list[ProviderSubscription] = []
        missing: list[Fields] = []
        for line in lines:
            subscription_id = line.text("subscriptionId")
            if subscription_id:
                found.append(
                    self.subscriptions.get(
                        customer_id, subscription_id, expected_quantity=line.integer("quantity")
                    )
                )
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
        unresolved: list[Fields] = []
        for line in missing:
            match = next(
                (
                    s
                    for s in candidates
                    if s.offer_id == line.text("offerId") and s.quantity == line.integer("quantity")
                ),
                None,
            )
            if match is None:
                unresolved.append(line)
            else:
                candidates.remove(match)
                found.append(match)
        return found, unresolved

    def get_order(self, customer_id: str, order_id: str) -> Fields:
        body = self.client.get_object(
            f"/v1/customers/{quote(customer_id, safe='')}/orders/{quote(order_id, safe='')}"
        )
        body.require_text("id", equal_to=order_id)
        return body
