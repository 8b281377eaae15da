# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared write steps of the subscription services, on rows the caller has already locked.

Used by `services.py` (user actions) and `scheduling.py` (merges of scheduled changes, price
indexation). Nothing here opens a transaction or locks: the public services do. Input values are
read by `seatline.common.parsing` (re-exported here for the services).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from seatline import core
from seatline.audit.services import record
from seatline.common import events
from seatline.common.choices import ProvisioningStatus
from seatline.configuration.selectors import configuration
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions import hooks
from seatline.subscriptions.events import subscription_changed
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog, Subscription

NO_CREDIT_NOTE = "no credit applied"


def refund_for(contract: BillingContract, *, user_choice: bool | None) -> bool:
    return core.refund_applies(
        policy=contract.policy,
        process_refunds=contract.process_refunds,
        generate_refunds=configuration().generate_refunds,
        user_choice=user_choice,
    )


def check_reduction(subscription: Subscription, day: dt.date) -> None:
    """`qrb_violation` unless the subscription's QRB allows a reduction on `day`."""
    if not core.reduction_allowed(
        qrb=subscription.qrb,
        qrw_days=subscription.qrw_days,
        term_months=subscription.term_months,
        subscription_start=subscription.start_date,
        day=day,
    ):
        window = f" (window of {subscription.qrw_days} days per term)" if subscription.qrb == "window" else ""
        raise SeatlineError(
            "qrb_violation",
            f"the quantity reduction behaviour of {subscription.name} is {subscription.qrb}{window}: "
            f"no reduction on {day.isoformat()}",
            field="quantity",
        )


def new_change(
    subscription: Subscription,
    *,
    kind: str,
    effective: dt.date,
    delta: int,
    quantity_after: int,
    price: Decimal,
    refund: bool = False,
    archived_note: str = "",
    scheduled: ScheduledLicenseChangeLog | None = None,
) -> LicenseChangeLog:
    """Every LCL is made here, so the hooks of the apps above (`subscriptions.hooks`: provisioning,
    change lines) see every change in the caller's transaction.

    A hook may refuse before the row exists (credit hold); after it, a provider's outbox job is
    enqueued in the same transaction.
    """
    hooks.before_change(subscription, kind=kind)
    change = LicenseChangeLog.objects.create(
        subscription=subscription,
        kind=kind,
        effective_date=effective,
        delta=delta,
        quantity_after=quantity_after,
        price=price,
        cost=subscription.cost,
        sales_unit=subscription.sales_unit,
        currency=subscription.currency,
        refund=refund,
        status=LicenseChangeLog.Status.ARCHIVED if archived_note else LicenseChangeLog.Status.ACTIVE,
        note=archived_note,
        scheduled_change=scheduled,
        provisioning_status=hooks.provisioning_status(
            subscription, kind=kind, default=ProvisioningStatus.NOT_APPLICABLE
        ),
    )
    hooks.after_change(subscription, change)
    events.emit("subscription.changed", subscription_changed(subscription, change), related=change)
    return change


def check_provider_window(subscription: Subscription, *, reduction: int, cancel: bool = False) -> None:
    """`provider_window_passed` when the provider's NCE window no longer allows this reduction."""
    hooks.check_reduction(subscription, reduction=reduction, cancel=cancel)


def apply_quantity_change(
    subscription: Subscription,
    *,
    quantity: int,
    effective: dt.date,
    price: Decimal | None = None,
    scheduled: ScheduledLicenseChangeLog | None = None,
) -> LicenseChangeLog | None:
    """Change a locked, active subscription to `quantity` from `effective` (None: no-op)."""
    if subscription.status != Subscription.Status.ACTIVE:
        raise SeatlineError(
            "subscription_inactive",
            f"{subscription.name} is suspended: activate it first",
            field="subscription",
        )
    effective = max(effective, subscription.start_date)
    new_price = subscription.price if price is None else price
    delta = quantity - subscription.quantity
    if delta == 0:
        if new_price == subscription.price:
            return None
        return apply_price_change(subscription, price=new_price, effective=effective, scheduled=scheduled)
    contract = subscription.contract
    refund = False
    note = ""
    if delta < 0:
        check_reduction(subscription, effective)
        if scheduled is None:  # a scheduled change meets the provider's window of its own day
            check_provider_window(subscription, reduction=-delta)
        refund = refund_for(contract, user_choice=None)
        if not refund and contract.policy == "advance":
            note = NO_CREDIT_NOTE
    before = (subscription.quantity, subscription.price)
    change = new_change(
        subscription,
        kind=LicenseChangeLog.Kind.INCREASE if delta > 0 else LicenseChangeLog.Kind.DECREASE,
        effective=effective,
        delta=delta,
        quantity_after=quantity,
        price=new_price,
        refund=refund,
        archived_note=note,
        scheduled=scheduled,
    )
    subscription.quantity = quantity
    subscription.price = new_price
    subscription.save(update_fields=["quantity", "price"])
    record(
        subscription,
        "quantity_changed",
        changes={"quantity": (before[0], quantity), "price": (before[1], new_price)},
        message=f"change log {change.pk}: {delta:+d} from {effective.isoformat()}"
        + (", credited" if refund else ""),
    )
    return change


def apply_price_change(
    subscription: Subscription,
    *,
    price: Decimal,
    effective: dt.date,
    scheduled: ScheduledLicenseChangeLog | None = None,
    action: str = "price_changed",
) -> LicenseChangeLog:
    """A `price` change log (delta 0) on a locked subscription."""
    effective = max(effective, subscription.start_date)
    before = subscription.price
    change = new_change(
        subscription,
        kind=LicenseChangeLog.Kind.PRICE,
        effective=effective,
        delta=0,
        quantity_after=subscription.quantity,
        price=price,
        scheduled=scheduled,
    )
    subscription.price = price
    subscription.save(update_fields=["price"])
    record(
        subscription,
        action,
        changes={"price": (before, price)},
        message=f"change log {change.pk}: price {price} from {effective.isoformat()}",
    )
    return change
