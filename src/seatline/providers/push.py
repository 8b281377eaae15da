# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pushing one license change log to an automatic provider (the `sync_license_change_log` job).

create (no provider subscription yet) -> order through cart checkout; increase/decrease -> change
quantity; deactivate -> cancel inside the provider's cancellation window, else suspend; activate ->
reactivate (or order again when the provider cancelled it). The provider's resulting state is
written back: subscription id, offer, commitment end, cancellation window, refundable quantity,
auto-renew; LCL and subscription Provisioned.

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
from seatline.common.choices import ProvisioningStatus
from seatline.connectors.base import OrderLine, ProviderConnector, ProviderSubscription, SubscriptionStatus
from seatline.connectors.errors import ProviderError, ProviderErrorCode
from seatline.errors import SeatlineError
from seatline.providers.models import Provider
from seatline.providers.provisioning import refresh_subscription_status
from seatline.providers.services import connected
from seatline.subscriptions.lock_objects import lock_subscription
from seatline.subscriptions.models import LicenseChangeLog, Subscription

TEMPORARY_CODES = frozenset(
    {ProviderErrorCode.THROTTLED, ProviderErrorCode.UNAVAILABLE, ProviderErrorCode.PENDING}
)
TERMS = {1: "P1M", 12: "P1Y", 36: "P3Y"}


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
        return _order(connector, subscription, customer_id, max(change.quantity_after, 1))
    if kind in (LicenseChangeLog.Kind.INCREASE, LicenseChangeLog.Kind.DECREASE, LicenseChangeLog.Kind.CREATE):
        current = connector.get_subscription(customer_id, sub_id)
        if current.quantity == change.quantity_after:
            return current
        return connector.change_quantity(customer_id, sub_id, change.quantity_after)
    if kind == LicenseChangeLog.Kind.DEACTIVATE:
        current = connector.get_subscription(customer_id, sub_id)
        if current.status in (SubscriptionStatus.DELETED, SubscriptionStatus.SUSPENDED):
            return current
        until = current.cancellation_allowed_until
        if until is not None and clock.now() <= until:
            return connector.cancel(customer_id, sub_id)
        return connector.suspend(customer_id, sub_id)
    if kind == LicenseChangeLog.Kind.ACTIVATE:
        current = connector.get_subscription(customer_id, sub_id)
        if current.status in (SubscriptionStatus.DELETED, SubscriptionStatus.EXPIRED):
            return _order(connector, subscription, customer_id, change.quantity_after)
        if current.status == SubscriptionStatus.SUSPENDED:
            current = connector.activate(customer_id, sub_id)
        if current.quantity != change.quantity_after:
            current = connector.change_quantity(customer_id, sub_id, change.quantity_after)
        return current
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
    if result.subscriptions:
        return result.subscriptions[0]
    orders = ", ".join(line.order_id for line in result.pending) or ", ".join(result.order_ids)
    raise SeatlineError(
        "provider_order_pending",
        f"order {orders} was placed but the provider has not provisioned the subscription yet; "
        "sync the provider account's subscriptions to link it (do not retry: it would order again)",
    )


def apply_provider_state(subscription: Subscription, state: ProviderSubscription) -> list[str]:
    """Copy the provider's facts onto the subscription (the caller saves); the changed field names."""
    values = {
        "provider_subscription_id": state.id,
        "provider_offer_id": state.offer_id or subscription.provider_offer_id,
        "commitment_end_date": state.commitment_end,
        "cancellation_allowed_until": state.cancellation_allowed_until,
        "refundable_quantity": state.refundable_quantity.total,
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
    return {"provisioning_status": "failed", "code": error.code, "message": text}
