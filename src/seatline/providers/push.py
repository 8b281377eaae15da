# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pushing one license change log to an automatic provider (the `sync_license_change_log` job).

create (no provider subscription yet) -> order through cart checkout; increase/decrease -> change
quantity; deactivate -> cancel inside the provider's cancellation window, else suspend; activate ->
reactivate (or order again when the provider cancelled it). The provider's resulting state is
verified, then written back: subscription id, offer, commitment end, cancellation window,
refundable quantity and lots, auto-renew; LCL and subscription Provisioned.

Verified means: it names the subscription asked about (an order: some subscription) and carries
the expected quantity and status; otherwise it is read again once, and if that fails too the LCL
is Failed (`provider_bad_response`) with the reason. An empty provider subscription id is never
stored: the next increase would order a second subscription.

A refusal by the provider (a `ProviderError` that is not retryable) marks the LCL Failed
Provisioning with the provider's message, shown on the subscription too; it is recorded and the
job ends (recording and raising would roll the record back with the job's transaction). Temporary
failures (throttling, unavailable, 409, pending) re-raise so the job retries, and are recorded as
failed on the job's last attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from seatline import clock
from seatline.audit.services import record
from seatline.common import events
from seatline.common.choices import ProvisioningStatus
from seatline.connectors.base import OrderLine, ProviderConnector, ProviderSubscription, SubscriptionStatus
from seatline.connectors.errors import ProviderBadResponseError, ProviderError, ProviderErrorCode
from seatline.errors import SeatlineError
from seatline.providers.models import Provider
from seatline.providers.provisioning import refresh_subscription_status
from seatline.providers.services import connected
from seatline.subscriptions.events import change_data, subscription_data
from seatline.subscriptions.lock_objects import lock_subscription
from seatline.subscriptions.models import LicenseChangeLog, Subscription

TEMPORARY_CODES = frozenset(
    {ProviderErrorCode.THROTTLED, ProviderErrorCode.UNAVAILABLE, ProviderErrorCode.PENDING}
)
TERMS = {1: "P1M", 12: "P1Y", 36: "P3Y"}
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)
ENDED = (SubscriptionStatus.DELETED, SubscriptionStatus.SUSPENDED)


class Skip(Exception):
    """Nothing to push (the job is Not Applicable)."""


def is_temporary(error: ProviderError) -> bool:
    return (
        error.code in TEMPORARY_CODES
        or error.http_status == 409
        or (error.retryable and error.code != ProviderErrorCode.WINDOW_PASSED)
    )


def failure_text(error: SeatlineError) -> str:
    if isinstance(error, ProviderError):
        return str(error)
    return f"[{error.code}] {error.message}"


def push_change(lcl_id: int, *, last_attempt: bool) -> dict[str, Any]:
    """Push LCL `lcl_id` (call inside the job's transaction); the job's results."""
    change = LicenseChangeLog.objects.select_for_update().filter(pk=lcl_id).first()
    if change is None:
        raise Skip(f"change log {lcl_id} no longer exists")
    if change.provisioning_status != ProvisioningStatus.AWAITING:
        raise Skip(f"change log {lcl_id} is {change.get_provisioning_status_display()}")
    subscription = lock_subscription(change.subscription_id)
    provider = subscription.provider
    if provider is None or provider.type != Provider.Type.AUTOMATIC:
        raise Skip(f"{subscription.name} has no automatic provider any more")
    try:
        if subscription.provider_account is None:
            raise SeatlineError(
                "provider_account_missing",
                f"{subscription.name} is not linked to a customer at {provider}: map its provider account",
                field="provider_account",
            )
        with connected(provider) as connector:
            result = _push(connector, subscription, change)
    except ProviderError as error:
        if is_temporary(error) and not last_attempt:
            raise
        return _failed(subscription, change, error)
    except SeatlineError as error:
        return _failed(subscription, change, error)
    return _provisioned(subscription, change, result)


def implausible(
    state: ProviderSubscription,
    *,
    asked_id: str,
    quantity: int | None,
    statuses: tuple[SubscriptionStatus, ...] = (),
) -> str:
    """Why `state` cannot be stored as the provider's answer about `asked_id` ("" when it can)."""
    if not state.id.strip():
        return "it has no subscription id"
    if asked_id and state.id.lower() != asked_id.lower():
        return f"it is about subscription {state.id}, not {asked_id}"
    if quantity is not None and state.quantity != quantity:
        return f"it reads {state.quantity} seat(s) where {quantity} are expected"
    if quantity is None and state.quantity < 1 and state.status in LIVE:
        return f"it reads {state.quantity} seat(s) on a {state.status.value} subscription"
    if statuses and state.status not in statuses:
        wanted = " or ".join(status.value for status in statuses)
        return f"its status is {state.status.value}, not {wanted}"
    return ""


def refuse_a_second_order(subscription: Subscription, change: LicenseChangeLog) -> None:
    """No order while an earlier change of this subscription failed at the provider.

    Without a provider subscription id the next change orders one; but an earlier failure may be an
    order that was placed and not linked (an unreadable answer, provisioning still pending), and a
    second order would buy the subscription twice. Staff link it first (subscription sync) or mark
    that change provisioned; retrying the failed change itself is their explicit decision.
    """
    failed = (
        subscription.change_logs.filter(provisioning_status=ProvisioningStatus.FAILED)
        .exclude(pk=change.pk)
        .order_by("-id")
        .first()
    )
    if failed is not None:
        raise SeatlineError(
            "provider_order_unresolved",
            f"{subscription.name} has no provider subscription yet and change log {failed.pk} failed at the "
            f"provider ({failed.provisioning_message}); link the subscription (sync the provider account's "
            "subscriptions) or mark that change provisioned before Seatline orders again",
        )


def verified(
    connector: ProviderConnector,
    customer_id: str,
    state: ProviderSubscription,
    *,
    asked_id: str,
    quantity: int | None,
    statuses: tuple[SubscriptionStatus, ...] = (),
) -> ProviderSubscription:
    """The state to write back: checked, else read again once, else `provider_bad_response`.

    Seatline never stores an empty subscription id or an implausible quantity: the next change
    would order a second subscription (a duplicate purchase) or compare against nonsense.
    """
    problem = implausible(state, asked_id=asked_id, quantity=quantity, statuses=statuses)
    if not problem:
        return state
    subscription_id = asked_id or state.id
    if not subscription_id:
        raise ProviderBadResponseError(
            f"the provider's answer cannot be stored ({problem}) and names no subscription to read again"
        )
    again = connector.get_subscription(customer_id, subscription_id)
    still = implausible(again, asked_id=subscription_id, quantity=quantity, statuses=statuses)
    if still:
        raise ProviderBadResponseError(
            f"the provider's answer about subscription {subscription_id} cannot be stored ({problem}), "
            f"nor can a fresh read of it ({still})"
        )
    return again


def _push(
    connector: ProviderConnector, subscription: Subscription, change: LicenseChangeLog
) -> ProviderSubscription:
    customer_id = subscription.provider_account.provider_customer_id  # type: ignore[union-attr]
    sub_id = subscription.provider_subscription_id
    kind = change.kind
    if not sub_id:
        if kind in (LicenseChangeLog.Kind.DECREASE, LicenseChangeLog.Kind.DEACTIVATE):
            raise SeatlineError(
                "provider_subscription_missing",
                f"{subscription.name} was never ordered at the provider: nothing to reduce there",
            )
        refuse_a_second_order(subscription, change)
        return _order(connector, subscription, customer_id, max(change.quantity_after, 1))
    if kind in (LicenseChangeLog.Kind.INCREASE, LicenseChangeLog.Kind.DECREASE, LicenseChangeLog.Kind.CREATE):
        current = connector.get_subscription(customer_id, sub_id)
        if current.quantity != change.quantity_after:
            current = connector.change_quantity(customer_id, sub_id, change.quantity_after)
        return verified(connector, customer_id, current, asked_id=sub_id, quantity=change.quantity_after)
    if kind == LicenseChangeLog.Kind.DEACTIVATE:
        current = connector.get_subscription(customer_id, sub_id)
        until = current.cancellation_allowed_until
        in_window = until is not None and clock.now() <= until
        if current.status == SubscriptionStatus.ACTIVE or (
            current.status == SubscriptionStatus.SUSPENDED and in_window
        ):
            # Inside the provider's window a deactivation cancels (refunded); outside it suspends.
            current = (
                connector.cancel(customer_id, sub_id) if in_window else connector.suspend(customer_id, sub_id)
            )
        return verified(connector, customer_id, current, asked_id=sub_id, quantity=None, statuses=ENDED)
    if kind == LicenseChangeLog.Kind.ACTIVATE:
        current = connector.get_subscription(customer_id, sub_id)
        if current.status in (SubscriptionStatus.DELETED, SubscriptionStatus.EXPIRED):
            return _order(connector, subscription, customer_id, change.quantity_after)
        if current.status == SubscriptionStatus.SUSPENDED:
            current = connector.activate(customer_id, sub_id)
        if current.quantity != change.quantity_after:
            current = connector.change_quantity(customer_id, sub_id, change.quantity_after)
        return verified(
            connector,
            customer_id,
            current,
            asked_id=sub_id,
            quantity=change.quantity_after,
            statuses=(SubscriptionStatus.ACTIVE,),
        )
    raise Skip(f"a {kind} change is not provisioned")


def _offer_id(connector: ProviderConnector, subscription: Subscription) -> str:
    if subscription.provider_offer_id:
        return subscription.provider_offer_id
    part = subscription.product.part_number if subscription.product is not None else ""
    if not part:
        raise SeatlineError(
            "provider_offer_missing",
            f"{subscription.name} has no provider offer id and its product no part number",
            field="provider_offer_id",
        )
    country = (subscription.account.country or "US").upper()
    for offer in connector.list_offers(country):
        if offer.is_purchasable and offer.id.startswith(part + ":"):
            return offer.id
    raise SeatlineError(
        "provider_offer_missing",
        f"no purchasable offer with part number {part} in the provider's {country} catalog",
        field="provider_offer_id",
    )


def order_line(subscription: Subscription, offer_id: str, quantity: int) -> OrderLine:
    term = TERMS.get(subscription.term_months)
    if term is None:
        raise SeatlineError(
            "provider_term_unsupported",
            f"a {subscription.term_months}-month term has no provider equivalent (1, 12 or 36)",
            field="term_months",
        )
    cycle = {"annual": "annual", "triennial": "triennial"}.get(subscription.sales_unit, "monthly")
    if term == "P1M" or (term == "P1Y" and cycle == "triennial"):
        cycle = "monthly"
    return OrderLine(
        offer_id=offer_id,
        quantity=quantity,
        term_duration=term,
        billing_cycle=cycle,
        friendly_name=subscription.name[:100],
    )


def _order(
    connector: ProviderConnector, subscription: Subscription, customer_id: str, quantity: int
) -> ProviderSubscription:
    offer_id = _offer_id(connector, subscription)
    result = connector.order_subscriptions(customer_id, [order_line(subscription, offer_id, quantity)])
    orders = ", ".join(line.order_id for line in result.pending) or ", ".join(result.order_ids)
    if not result.subscriptions:
        raise SeatlineError(
            "provider_order_pending",
            f"order {orders} was placed but the provider has not provisioned the subscription yet; "
            "sync the provider account's subscriptions to link it (do not retry: it would order again)",
        )
    try:
        return verified(connector, customer_id, result.subscriptions[0], asked_id="", quantity=quantity)
    except ProviderError as error:
        raise ProviderBadResponseError(
            f"order {orders} was placed but its subscription cannot be linked: {error.message}; sync the "
            "provider account's subscriptions to link it (do not retry: it would order again)",
            request_id=error.request_id,
        ) from error


def apply_provider_state(subscription: Subscription, state: ProviderSubscription) -> list[str]:
    """Copy the provider's facts onto the subscription (the caller saves); the changed field names.

    Never an empty subscription id: callers pass verified states, and an empty one is refused here too.
    """
    if not state.id.strip():
        raise ProviderBadResponseError(f"the provider reported {subscription.name} without a subscription id")
    values = {
        "provider_subscription_id": state.id,
        "provider_offer_id": state.offer_id or subscription.provider_offer_id,
        "commitment_end_date": state.commitment_end,
        "cancellation_allowed_until": state.cancellation_allowed_until,
        "refundable_quantity": state.refundable_quantity.total,
        "refundable_lots": [
            {"quantity": lot.quantity, "allowed_until": lot.allowed_until.isoformat()}
            for lot in state.refundable_quantity.lots
        ],
        "provider_auto_renew": state.auto_renew,
    }
    changed = []
    for name, value in values.items():
        if getattr(subscription, name) != value:
            setattr(subscription, name, value)
            changed.append(name)
    return changed


def _provisioned(
    subscription: Subscription, change: LicenseChangeLog, state: ProviderSubscription
) -> dict[str, Any]:
    changed = apply_provider_state(subscription, state)
    if changed:
        subscription.save(update_fields=changed)
    change.provisioning_status = ProvisioningStatus.PROVISIONED
    change.provisioning_message = (
        f"provider subscription {state.id}: {state.quantity} seat(s), {state.status.value}"
    )
    change.save(update_fields=["provisioning_status", "provisioning_message", "updated_at"])
    record(change, "provisioned", message=change.provisioning_message)
    refresh_subscription_status(subscription)
    window = state.cancellation_allowed_until
    return {
        "provisioning_status": "provisioned",
        "provider_subscription_id": state.id,
        "quantity": state.quantity,
        "status": state.status.value,
        "cancellation_allowed_until": window.isoformat() if isinstance(window, dt.datetime) else None,
    }


def _failed(subscription: Subscription, change: LicenseChangeLog, error: SeatlineError) -> dict[str, Any]:
    text = failure_text(error)
    change.provisioning_status = ProvisioningStatus.FAILED
    change.provisioning_message = text
    change.save(update_fields=["provisioning_status", "provisioning_message", "updated_at"])
    record(change, "provisioning_failed", message=text)
    refresh_subscription_status(subscription)
    events.emit(
        "provisioning.failed",
        {
            "subscription": subscription_data(subscription),
            "change": change_data(change),
            "error": {"code": error.code, "message": text},
        },
        related=change,
    )
    return {"provisioning_status": "failed", "code": error.code, "message": text}
