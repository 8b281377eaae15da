# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center subscriptions: read, and change through PATCH of the full resource.

Partner Center's PATCH is "send the whole Subscription": a body without `autoRenewEnabled`,
`scheduledNextTermInstructions` or `nextChargeInstructions` silently turns auto-renew off and
drops scheduled changes. So every change here GETs the subscription, checks that the answer is
that subscription (its id, a quantity and a status: an unreadable or foreign answer raises
`ProviderBadResponseError` and nothing is sent), changes one field of that exact body (under the
key casing it came with) and PATCHes it back with `If-Match` on the ETag.

The answer is verified before it is returned: it must carry the id asked about, the expected
quantity, the change just made, and every stored fact the GET had (offer, windows, ...). A 200
answer that is unreadable, empty, partial (the documented PascalCase answers carry only the legacy
fields) or not showing the change is replaced by a fresh GET, which must pass the same checks, else
`ProviderBadResponseError`. A 202 answer is followed by polling its `Location` for a bounded time.

Cancellation windows (`parse_subscription`): Partner Center reports them in three documented
places, all read: `cancellationAllowedUntilDate`, `refundOptions[].expiresAt` (the NCE and
scheduled-changes examples carry the window only there) and
`refundableQuantity.details[].allowedUntilDateTime` (one per lot of seats). A cancellation is
possible while a refund option is open (the latest `expiresAt`), and not after the
subscription-level date nor after the earliest lot's deadline: the earliest of these three decides
`cancellation_allowed_until`. Seat reductions use the lots themselves (`RefundableQuantity.at`).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable
from urllib.parse import quote

from seatline.connectors.base import (
    NextTermInstructions,
    ProviderSubscription,
    RefundableLot,
    RefundableQuantity,
    RefundOption,
    SubscriptionStatus,
)
from seatline.connectors.errors import ProviderBadResponseError, ProviderPendingError
from seatline.connectors.partner_center.client import PartnerCenterClient, PartnerCenterResponse
from seatline.connectors.partner_center.parsing import Fields, JsonObject, set_field

log = logging.getLogger(__name__)

_STATUS = {status.value: status for status in SubscriptionStatus}

# Facts Seatline stores from a subscription: an answer lacking one that the GET had is partial.
STORED_FACTS = (
    "offerId",
    "status",
    "autoRenewEnabled",
    "termDuration",
    "billingCycle",
    "commitmentEndDate",
    "cancellationAllowedUntilDate",
    "refundOptions",
    "refundableQuantity",
)


def subscription_path(customer_id: str, subscription_id: str) -> str:
    return f"/v1/customers/{quote(customer_id, safe='')}/subscriptions/{quote(subscription_id, safe='')}"


def parse_status(value: object) -> SubscriptionStatus:
    return _STATUS.get(("" if value is None else str(value)).strip().lower(), SubscriptionStatus.UNKNOWN)


def _fields(data: object) -> Fields:
    return data if isinstance(data, Fields) else Fields(data)


def _split_catalog_item(product: Fields) -> str:
    parts = [product.text(key) for key in ("productId", "skuId", "availabilityId")]
    return ":".join(parts) if all(parts) else product.text("catalogItemId")


def parse_next_term(data: object) -> NextTermInstructions | None:
    body = _fields(data)
    if not body:
        return None
    product = body.child("product")
    return NextTermInstructions(
        offer_id=_split_catalog_item(product),
        term_duration=product.text("termDuration"),
        billing_cycle=product.text("billingCycle").lower(),
        quantity=body.integer("quantity"),
        custom_term_end_date=body.day("customTermEndDate"),
        promotion_id=product.text("promotionId"),
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


def cancellation_deadline(
    allowed_until: dt.datetime | None, options: tuple[RefundOption, ...], lots: tuple[RefundableLot, ...]
) -> dt.datetime | None:
    """The earliest applicable window: subscription-level date, latest refund option, earliest lot."""
    candidates = [] if allowed_until is None else [allowed_until]
    if options:
        candidates.append(max(option.expires_at for option in options))
    if lots:
        candidates.append(min(lot.allowed_until for lot in lots))
    return min(candidates) if candidates else None


def _refundable(body: Fields) -> RefundableQuantity:
    refundable = body.child("refundableQuantity")
    lots: list[RefundableLot] = []
    unreadable = False
    for detail in refundable.children("details"):
        allowed_until = detail.instant("allowedUntilDateTime")  # unreadable: a problem, lot skipped
        if allowed_until is None:
            unreadable = True
            continue
        lots.append(RefundableLot(detail.integer("quantity"), allowed_until))
    readable = sum(lot.quantity for lot in lots)
    total = refundable.integer("totalQuantity", default=readable)
    if unreadable:  # seats whose deadline is unknown are not counted as reducible
        total = min(total, readable)
    return RefundableQuantity(total=total, lots=tuple(lots))


def parse_subscription(customer_id: str, data: object) -> ProviderSubscription:
    """A `Subscription` (camelCase or PascalCase keys); unreadable dates end up in `problems`."""
    body = _fields(data)
    refundable = _refundable(body)
    options = []
    for option in body.children("refundOptions"):
        expires_at = option.instant("expiresAt")
        if expires_at is not None:
            options.append(RefundOption(option.text("type"), expires_at))
    refund_options = tuple(options)
    start = body.instant("effectiveStartDate") if body.value("effectiveStartDate") else None
    if start is None:
        start = body.instant("creationDate")
    window = cancellation_deadline(
        body.instant("cancellationAllowedUntilDate"), refund_options, refundable.lots
    )
    return ProviderSubscription(
        id=body.text("id"),
        customer_id=customer_id,
        offer_id=body.text("offerId"),
        quantity=body.integer("quantity"),
        status=parse_status(body.value("status")),
        term_duration=body.text("termDuration"),
        billing_cycle=body.text("billingCycle").lower(),
        auto_renew=body.flag("autoRenewEnabled"),
        offer_name=body.text("offerName"),
        friendly_name=body.text("friendlyName"),
        order_id=body.text("orderId"),
        start=start,
        commitment_end=body.day("commitmentEndDate"),
        billing_cycle_end=body.day("billingCycleEndDate"),
        cancellation_allowed_until=window,
        refund_options=refund_options,
        refundable_quantity=refundable,
        next_term=parse_next_term(body.child("scheduledNextTermInstructions")),
        is_trial=body.flag("isTrial"),
        etag=body.child("attributes").text("etag"),
        problems=tuple(body.problems),
    )


def require_subscription(body: Fields, subscription_id: str) -> Fields:
    """`body` must be the subscription asked about: its id, an integer quantity and a status."""
    body.require_text("id", equal_to=subscription_id)
    if not body.has("quantity") or isinstance(body.value("quantity"), bool):
        raise body.bad("lacks quantity")
    body.integer("quantity")
    body.require_text("status")
    return body


def unverified(body: Fields, subscription_id: str, quantity: int, done: Callable[[Fields], bool]) -> str:
    """Why an answer cannot be stored as the result of a change ("" when it can)."""
    if not body.is_object:
        return "it is not a JSON object"
    if body.text("id").lower() != subscription_id.lower():
        return f"it names subscription {body.text('id')!r}" if body.text("id") else "it has no id"
    try:
        found = body.integer("quantity", default=-1)
    except ProviderBadResponseError:
        return "its quantity is unreadable"
    if found != quantity:
        return (
            f"it reads {found} seat(s) where {quantity} are expected" if found >= 0 else "it has no quantity"
        )
    if not done(body):
        return "it does not show the change"
    return ""


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

    def get_raw(self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None) -> Fields:
        """The subscription's body, checked to be that subscription (else `ProviderBadResponseError`)."""
        body = self.client.get_object(
            subscription_path(customer_id, subscription_id), correlation_id=correlation_id
        )
        return require_subscription(body, subscription_id)

    def get(
        self, customer_id: str, subscription_id: str, *, expected_quantity: int | None = None
    ) -> ProviderSubscription:
        """One subscription; with `expected_quantity` (just ordered) a different quantity is re-read once."""
        body = self.get_raw(customer_id, subscription_id)
        if expected_quantity is not None and body.integer("quantity") != expected_quantity:
            log.warning(
                "Partner Center subscription %s reads %s seat(s), %s ordered: reading it again",
                subscription_id,
                body.integer("quantity"),
                expected_quantity,
            )
            body = self.get_raw(customer_id, subscription_id)
            if body.integer("quantity") != expected_quantity:
                raise body.bad(
                    f"reads {body.integer('quantity')} seat(s) where {expected_quantity} were ordered"
                )
        return parse_subscription(customer_id, body)

    def list(self, customer_id: str, *, order_id: str | None = None) -> list[ProviderSubscription]:
        params = {"order_id": order_id} if order_id else None
        path = f"/v1/customers/{quote(customer_id, safe='')}/subscriptions"
        return [parse_subscription(customer_id, item) for item in self.client.iter_items(path, params=params)]

    def update(
        self,
        customer_id: str,
        subscription_id: str,
        mutate: Callable[[JsonObject], None],
        done: Callable[[Fields], bool],
        *,
        quantity: int | None = None,
        what: str = "the change",
    ) -> ProviderSubscription:
        """GET, apply `mutate` to the full body, PATCH it back; `done` recognises the result.

        `quantity` is the quantity the result must have (None: the quantity read before).
        """
        correlation_id = self.client.new_correlation_id()
        current = self.get_raw(customer_id, subscription_id, correlation_id=correlation_id)
        expected = current.integer("quantity") if quantity is None else quantity
        body = copy.deepcopy(current.data)
        mutate(body)
        headers = {}
        etag = current.child("attributes").text("etag")
        if etag:
            headers["If-Match"] = etag
        path = subscription_path(customer_id, subscription_id)
        response = self.client.request(
            "PATCH", path, json=body, headers=headers, idempotent=True, correlation_id=correlation_id
        )
        if response.status == 202:
            location = response.headers.get("Location") or path
            polled = self._poll(location, subscription_id, expected, done, correlation_id)
            return parse_subscription(customer_id, polled)
        why = self._answer_problem(response, current, subscription_id, expected, done)
        if not why:
            return parse_subscription(customer_id, response.fields())
        log.warning(
            "Partner Center answered %s of subscription %s with a body Seatline does not store (%s): "
            "reading the subscription again",
            what,
            subscription_id,
            why,
        )
        again = self.get_raw(customer_id, subscription_id, correlation_id=correlation_id)
        still = unverified(again, subscription_id, expected, done)
        if still:
            raise again.bad(
                f"does not confirm {what} ({still}); the PATCH answer was not usable either ({why})"
            )
        return parse_subscription(customer_id, again)

    @staticmethod
    def _answer_problem(
        response: PartnerCenterResponse,
        current: Fields,
        subscription_id: str,
        quantity: int,
        done: Callable[[Fields], bool],
    ) -> str:
        try:
            answer = response.fields()
        except ProviderBadResponseError as error:
            return error.message
        why = unverified(answer, subscription_id, quantity, done)
        if why:
            return why
        missing = [name for name in STORED_FACTS if current.has(name) and not answer.has(name)]
        if missing:
            return f"it lacks {', '.join(missing)}"
        return ""

    def _poll(
        self,
        location: str,
        subscription_id: str,
        quantity: int,
        done: Callable[[Fields], bool],
        correlation_id: str,
    ) -> Fields:
        if not location.startswith(("http://", "https://", "/v1/")):
            location = "/v1" + (location if location.startswith("/") else f"/{location}")
        waited = 0.0  # a budget of sleep time: bounded polls, deterministic with a fake sleep
        while True:
            response = self.client.request(
                "GET", location, correlation_id=correlation_id, allow_statuses=(202,)
            )
            why = "the change is still being processed"
            if response.status == 200:
                try:
                    body = response.fields()
                except ProviderBadResponseError as error:
                    why = error.message
                else:
                    why = unverified(body, subscription_id, quantity, done)
                    if not why:
                        return body
            if waited + self.poll_interval > self.max_wait:
                raise ProviderPendingError(
                    "Partner Center accepted the subscription change but did not show it within "
                    f"{self.max_wait:g} s ({why}); read the subscription again later",
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
            set_field(body, "quantity", quantity)

        return self.update(
            customer_id,
            subscription_id,
            mutate,
            lambda b: b.integer("quantity") == quantity,
            quantity=quantity,
            what=f"the quantity change to {quantity}",
        )

    def set_status(
        self, customer_id: str, subscription_id: str, status: SubscriptionStatus
    ) -> ProviderSubscription:
        def mutate(body: JsonObject) -> None:
            set_field(body, "status", status.value)

        return self.update(
            customer_id,
            subscription_id,
            mutate,
            lambda b: parse_status(b.value("status")) == status,
            what=f"the status change to {status.value}",
        )

    def set_auto_renew(self, customer_id: str, subscription_id: str, enabled: bool) -> ProviderSubscription:
        def mutate(body: JsonObject) -> None:
            set_field(body, "autoRenewEnabled", enabled)

        return self.update(
            customer_id,
            subscription_id,
            mutate,
            lambda b: b.flag("autoRenewEnabled") == enabled,
            what=f"turning auto-renew {'on' if enabled else 'off'}",
        )

    def schedule_next_term(
        self, customer_id: str, subscription_id: str, instructions: NextTermInstructions | None
    ) -> ProviderSubscription:
        wanted = next_term_body(instructions) if instructions is not None else None

        def mutate(body: JsonObject) -> None:
            set_field(body, "scheduledNextTermInstructions", copy.deepcopy(wanted))

        def done(body: Fields) -> bool:
            return parse_next_term(body.value("scheduledNextTermInstructions")) == instructions

        return self.update(customer_id, subscription_id, mutate, done, what="the scheduled next-term change")
