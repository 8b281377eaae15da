# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payloads of the subscription events (`seatline.common.events`)."""

from __future__ import annotations

from typing import Any

from seatline.core.money import money_text
from seatline.subscriptions.models import LicenseChangeLog, Subscription


def subscription_data(subscription: Subscription, change: LicenseChangeLog | None = None) -> dict[str, Any]:
    """The subscription as it is once `change` applies (the caller may not have saved it yet)."""
    status = subscription.status
    quantity = subscription.quantity
    price = subscription.price
    if change is not None:
        quantity, price = change.quantity_after, change.price
        if change.kind == LicenseChangeLog.Kind.DEACTIVATE:
            status = Subscription.Status.SUSPENDED
        elif change.kind in (LicenseChangeLog.Kind.ACTIVATE, LicenseChangeLog.Kind.CREATE):
            status = Subscription.Status.ACTIVE
    return {
        "id": subscription.pk,
        "account_id": subscription.account_id,
        "contract_id": subscription.contract_id,
        "product_id": subscription.product_id,
        "name": subscription.name,
        "status": str(status),
        "quantity": quantity,
        "price": money_text(price, subscription.currency),
        "currency": subscription.currency,
        "sales_unit": subscription.sales_unit,
        "provider_subscription_id": subscription.provider_subscription_id,
    }


def change_data(change: LicenseChangeLog) -> dict[str, Any]:
    return {
        "id": change.pk,
        "kind": change.kind,
        "effective_date": change.effective_date.isoformat(),
        "delta": change.delta,
        "quantity_after": change.quantity_after,
        "price": money_text(change.price, change.currency),
        "currency": change.currency,
        "refund": change.refund,
        "provisioning_status": change.provisioning_status,
        "provisioning_message": change.provisioning_message,
    }


def subscription_changed(subscription: Subscription, change: LicenseChangeLog) -> dict[str, Any]:
    return {"subscription": subscription_data(subscription, change), "change": change_data(change)}
