# SPDX-License-Identifier: AGPL-3.0-or-later
"""Ordered row locks: always the contract first, then its subscriptions by id."""

from __future__ import annotations

from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions.models import ScheduledLicenseChangeLog, Subscription


def lock_contract(contract_id: int) -> BillingContract:
    """The contract row, locked for the current transaction (`unknown_reference` if missing)."""
    try:
        return BillingContract.objects.select_for_update().get(pk=contract_id)
    except BillingContract.DoesNotExist as exc:
        raise SeatlineError(
            "unknown_reference", f"contract {contract_id} does not exist", field="contract"
        ) from exc


def lock_subscription(subscription_id: int) -> Subscription:
    """Lock the subscription's contract, then the subscription; return the fresh subscription row."""
    contract_id = (
        Subscription.objects.filter(pk=subscription_id).values_list("contract_id", flat=True).first()
    )
    if contract_id is None:
        raise SeatlineError(
            "unknown_reference", f"subscription {subscription_id} does not exist", field="subscription"
        )
    contract = lock_contract(contract_id)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    subscription.contract = contract
    return subscription


def lock_contract_subscriptions(contract_id: int) -> tuple[BillingContract, list[Subscription]]:
    """Lock a contract and every subscription of it (by id)."""
    contract = lock_contract(contract_id)
    subscriptions = list(
        Subscription.objects.select_for_update().filter(contract_id=contract_id).order_by("id")
    )
    return contract, subscriptions


def lock_scheduled_change(slcl_id: int) -> ScheduledLicenseChangeLog:
    """Lock the subscription (and its contract) of a scheduled change, then the scheduled change."""
    subscription_id = (
        ScheduledLicenseChangeLog.objects.filter(pk=slcl_id).values_list("subscription_id", flat=True).get()
    )
    lock_subscription(subscription_id)
    return ScheduledLicenseChangeLog.objects.select_for_update().get(pk=slcl_id)
