# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center subscriptions: read, and change through PATCH of the full resource.

Partner Center's PATCH is "send the whole Subscription": a body without `autoRenewEnabled`,
`scheduledNextTermInstructions` or `nextChargeInstructions` silently turns auto-renew off and
drops scheduled changes. So every change here GETs the subscription, changes one field of that
exact body and PATCHes it back (with `If-Match` on the ETag). A 202 answer is followed by
polling its `Location` until the change is visible, for a bounded time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from seatline.connectors.base import (
    NextTermInstructions,
    ProviderSubscription,
    RefundableLot,
    RefundableQuantity,
    SubscriptionStatus,
)
from seatline.connectors.errors import ProviderPendingError
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.parsing import (
    JsonObject,
    date_value,
    datetime_value,
    int_value,
    obj,
    text,
)

_STATUS = {status.value: status for status in SubscriptionStatus}


def subscription_path(customer_id: str, subscription_id: str) -> str:
    return f"/v1/customers/{quote(customer_id, safe='')}/subscriptions/{quote(subscription_id, safe='')}"


def parse_status(value: object) -> SubscriptionStatus:
    return _STATUS.get(text(value).strip().lower(), SubscriptionStatus.UNKNOWN)


def _split_catalog_item(product: JsonObject) -> str:
    parts = [text(product.get(key)) for key in ("productId", "skuId", "availabilityId")]
    return ":".join(parts) if all(parts) else text(product.get("catalogItemId"))


def parse_next_term(data: Any) -> NextTermInstructions | None:
    body = obj(data)
    if not body:
        return None
    product = obj(body.get("product"))
    return NextTermInstructions(
        offer_id=_split_catalog_item(product),
        term_duration=text(product.get("termDuration")),
        billing_cycle=text(product.get("billingCycle")).lower(),
        quantity=int_value(body.get("quantity")),
        custom_term_end_date=date_value(body.get("customTermEndDate")),
        promotion_id=text(product.get("promotionId")),
    )


def next_term_body(instructions: NextTermInstructions) -> JsonObject:
    product_id, sku_id, availability_id = (instructions.offer_id.split(":") + ["", "", ""])[:3]
    product: JsonObject = {
        "productId": product_id,
        "skuId": sku_id,
        "availabilityId": availability_id,
        "billingCycle": instructions.billing_cycle,
        "termDuration": instructions.term_duration,
    }
    if instructions.promotion_id:
        product["promotionId"] = instructions.promotion_id
    body: JsonObject = {"product": product, "quantity": instructions.quantity}
    if instructions.custom_term_end_date is not None:
        body["customTermEndDate"] = instructions.custom_term_end_date.isoformat()
    return body


def parse_subscription(customer_id: str, data: Any) -> ProviderSubscription:
    body = obj(data)
    refundable = obj(body.get("refundableQuantity"))
    lots = []
    for detail in refundable.get("details") or []:
        detail = obj(detail)
        allowed_until = datetime_value(detail.get("allowedUntilDateTime"))
        if allowed_until is not None:
            lots.append(RefundableLot(int_value(detail.get("quantity")), allowed_until))
    total = int_value(refundable.get("totalQuantity"), default=sum(lot.quantity for lot in lots))
    return ProviderSubscription(
        id=text(body.get("id")),
        customer_id=customer_id,
        offer_id=text(body.get("offerId")),
        quantity=int_value(body.get("quantity")),
        status=parse_status(body.get("status")),
        term_duration=text(body.get("termDuration")),
        billing_cycle=text(body.get("billingCycle")).lower(),
        auto_renew=bool(body.get("autoRenewEnabled")),
        offer_name=text(body.get("offerName")),
        friendly_name=text(body.get("friendlyName")),
        order_id=text(body.get("orderId")),
        start=datetime_value(body.get("effectiveStartDate") or body.get("creationDate")),
        commitment_end=date_value(body.get("commitmentEndDate")),
        billing_cycle_end=date_value(body.get("billingCycleEndDate")),
        cancellation_allowed_until=datetime_value(body.get("cancellationAllowedUntilDate")),
        refundable_quantity=RefundableQuantity(total=total, lots=tuple(lots)),
        next_term=parse_next_term(body.get("scheduledNextTermInstructions")),
        is_trial=bool(body.get("isTrial")),
        etag=text(obj(body.get("attributes")).get("etag")),
    )


class SubscriptionsApi:
    """Subscription reads and full-body PATCH updates for one partner tenant."""

    def __init__(
        self,
        client: PartnerCenterClient,
        *,
        poll_interval: float = 2.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.client = client
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self._sleep = sleep or client.sleep

    def get_raw(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> JsonObject:
        return obj(
            self.client.get(subscription_path(customer_id, subscription_id), correlation_id=correlation_id)
        )

    def get(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        return parse_subscription(customer_id, self.get_raw(customer_id, subscription_id))

    def list(self, customer_id: str, *, order_id: str | None = None) -> list[ProviderSubscription]:
        params = {"order_id": order_id} if order_id else None
        path = f"/v1/customers/{quote(customer_id, safe='')}/subscriptions"
        return [parse_subscription(customer_id, item) for item in self.client.iter_items(path, params=params)]

    def update(
        self,
        customer_id: str,
        subscription_id: str,
        mutate: Callable[[JsonObject], None],
        done: Callable[[JsonObject], bool],
    ) -> ProviderSubscription:
        """GET, apply `mutate` to the full body, PATCH it back; `done` recognises the result."""
        correlation_id = self.client.new_correlation_id()
        current = self.get_raw(customer_id, subscription_id, correlation_id=correlation_id)
        body = copy.deepcopy(current)
        mutate(body)
        headers = {}
        etag = text(obj(current.get("attributes")).get("etag"))
        if etag:
            headers["If-Match"] = etag
        path = subscription_path(customer_id, subscription_id)
        response = self.client.request(
            "PATCH", path, json=body, headers=headers, idempotent=True, correlation_id=correlation_id
        )
        if response.status == 202:
            location = response.headers.get("Location") or path
            return parse_subscription(customer_id, self._poll(location, done, correlation_id))
        if not isinstance(response.data, dict):  # an empty 200: read the result back
            return parse_subscription(
                customer_id, self.get_raw(customer_id, subscription_id, correlation_id=correlation_id)
            )
        return parse_subscription(customer_id, response.data)

    def _poll(self, location: str, done: Callable[[JsonObject], bool], correlation_id: str) -> JsonObject:
        if not location.startswith(("http://", "https://", "/v1/")):
            location = "/v1" + (location if location.startswith("/") else f"/{location}")
        waited = 0.0  # a budget of sleep time: bounded polls, deterministic with a fake sleep
        while True:
            response = self.client.request(
                "GET", location, correlation_id=correlation_id, allow_statuses=(202,)
            )
            data = obj(response.data)
            if response.status == 200 and data and done(data):
                return data
            if waited + self.poll_interval > self.max_wait:
                raise ProviderPendingError(
                    "Partner Center accepted the subscription change but did not show it within "
                    f"{self.max_wait:g} s; read the subscription again later",
                    http_status=202,
                    retryable=True,
                    request_id=response.request_id,
                )
            self._sleep(self.poll_interval)
            waited += self.poll_interval

    # -- the changes -----------------------------------------------------------------------------

    def change_quantity(self, customer_id: str, subscription_id: str, quantity: int) -> ProviderSubscription:
        if quantity < 1:
            raise ValueError("quantity must be at least 1; cancel the subscription instead")

        def mutate(body: JsonObject) -> None:
            body["quantity"] = quantity

        return self.update(
            customer_id, subscription_id, mutate, lambda b: int_value(b.get("quantity")) == quantity
        )

    def set_status(
        self, customer_id: str, subscription_id: str, status: SubscriptionStatus
    ) -> ProviderSubscription:
        def mutate(body: JsonObject) -> None:
            body["status"] = status.value

        return self.update(
            customer_id, subscription_id, mutate, lambda b: parse_status(b.get("status")) == status
        )

    def set_auto_renew(self, customer_id: str, subscription_id: str, enabled: bool) -> ProviderSubscription:
        def mutate(body: JsonObject) -> None:
            body["autoRenewEnabled"] = enabled

        return self.update(
            customer_id, subscription_id, mutate, lambda b: bool(b.get("autoRenewEnabled")) == enabled
        )

    def schedule_next_term(
        self, customer_id: str, subscription_id: str, instructions: NextTermInstructions | None
    ) -> ProviderSubscription:
        wanted = next_term_body(instructions) if instructions is not None else None

        def mutate(body: JsonObject) -> None:
            body["scheduledNextTermInstructions"] = copy.deepcopy(wanted)

        def done(body: JsonObject) -> bool:
            return parse_next_term(body.get("scheduledNextTermInstructions")) == instructions

        return self.update(customer_id, subscription_id, mutate, done)
