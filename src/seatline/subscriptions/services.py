# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes on subscriptions: creation, quantity and price changes, (de)activation, NRIs.

Every service is keyword-only, runs in one transaction, locks the contract then the subscription
(`lock_objects`), refuses bad input with `SeatlineError` before changing anything, writes its
change log (LCL) and an audit record. Scheduled changes and price indexation are in
`scheduling.py`, usage in `usage.py`; both are re-exported here (the API of
docs/dev/services-api.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from seatline import clock
from seatline.audit.services import record
from seatline.catalog.models import Product
from seatline.common.choices import UNIT_MONTHS, ReductionBehaviour
from seatline.common.guards import check_date
from seatline.common.parsing import MAX_QUANTITY, money, percent, whole_quantity
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions.changes import (
    NO_CREDIT_NOTE,
    apply_price_change,
    apply_quantity_change,
    check_provider_window,
    check_reduction,
    new_change,
    refund_for,
)
from seatline.subscriptions.lock_objects import lock_contract, lock_subscription
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, Subscription
from seatline.subscriptions.scheduling import (
    MergeReport,
    index_prices,
    merge_due_scheduled_changes,
    schedule_change,
)
from seatline.subscriptions.selectors import last_deactivation
from seatline.subscriptions.usage import record_usage

__all__ = [
    "MergeReport",
    "activate_subscription",
    "add_nri",
    "change_price",
    "change_quantity",
    "create_subscription",
    "deactivate_subscription",
    "index_prices",
    "merge_due_scheduled_changes",
    "record_usage",
    "schedule_change",
]

ONE_DAY = dt.timedelta(days=1)


def create_subscription(
    *,
    contract: BillingContract,
    name: str,
    quantity: int,
    price: Decimal,
    start_date: dt.date,
    kind: str = "license",
    sales_unit: str = "monthly",
    cost: Decimal = Decimal(0),
    product: Product | None = None,
    qrb: str | None = None,
    qrw_days: int | None = None,
    term_months: int | None = None,
    taxable: bool = True,
    markup_percent: Decimal | None = None,
    provider: models.Model | None = None,
    provider_account: models.Model | None = None,
) -> Subscription:
    """A new active subscription and its `create` change log (effective start_date, delta quantity).

    `provider` / `provider_account` are a `providers.Provider` / `providers.ProviderAccount` (the
    providers app sits above this one: referenced by foreign key, never imported)."""
    if kind not in Subscription.Kind.values:
        raise SeatlineError("invalid_kind", f"unknown subscription kind {kind!r}", field="kind")
    if sales_unit not in UNIT_MONTHS:
        raise SeatlineError("invalid_sales_unit", f"unknown sales unit {sales_unit!r}", field="sales_unit")
    quantity = 1 if kind == Subscription.Kind.USAGE else whole_quantity(quantity)
    _check_in_contract(contract, start_date, field="start_date", what="the start date")
    price = money(price, field="price")
    cost = money(cost, field="cost")
    if qrb is None:
        qrb = product.default_qrb if product is not None else ReductionBehaviour.ALLOWED
        if qrw_days is None and product is not None:
            qrw_days = product.default_qrw_days
    if qrb not in ReductionBehaviour.values:
        raise SeatlineError("invalid_qrb", f"unknown quantity reduction behaviour {qrb!r}", field="qrb")
    if qrb == ReductionBehaviour.WINDOW and not qrw_days:
        raise SeatlineError("invalid_qrb", "a reduction window needs its length in days", field="qrw_days")
    if term_months is None:
        term_months = product.default_term_months if product is not None else 12
    if term_months < 1:
        raise SeatlineError("invalid_term", "term_months must be at least 1", field="term_months")
    # None: usage takes the configuration's default markup; an explicit 0 is no markup.
    markup = (
        None
        if markup_percent is None
        else percent(
            markup_percent,
            field="markup_percent",
            code="invalid_markup",
            low=Decimal(-100),
            high=Decimal(1000),
        )
    )
    with transaction.atomic():
        contract = lock_contract(contract.pk)
        subscription = Subscription.objects.create(
            contract=contract,
            account_id=contract.account_id,
            product=product,
            name=name,
            kind=kind,
            quantity=quantity,
            sales_unit=sales_unit,
            price=price,
            cost=cost,
            currency=contract.currency,
            start_date=start_date,
            qrb=qrb,
            qrw_days=qrw_days,
            term_months=term_months,
            taxable=taxable,
            markup_percent=markup,
            provider=provider,
            provider_account=provider_account,
        )
        change = new_change(
            subscription,
            kind=LicenseChangeLog.Kind.CREATE,
            effective=start_date,
            delta=quantity,
            quantity_after=quantity,
            price=price,
        )
        record(
            subscription,
            "subscription_created",
            changes={"quantity": (None, quantity), "price": (None, price)},
            message=f"change log {change.pk}: created with {quantity} from {start_date.isoformat()}",
        )
    return subscription


def change_quantity(
    *, subscription: Subscription, quantity: Any, effective: dt.date | None = None
) -> LicenseChangeLog | None:
    """Set the absolute quantity from `effective` (default today); None when it is unchanged."""
    quantity = whole_quantity(quantity)
    effective = effective or clock.today()
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        _check_in_contract(locked.contract, effective, field="effective", what="the effective date")
        change = apply_quantity_change(locked, quantity=quantity, effective=effective)
    _refresh(subscription, locked)
    return change


def deactivate_subscription(
    *, subscription: Subscription, refund: bool = False, on: dt.date | None = None
) -> LicenseChangeLog:
    """Billable through `on` (default today); quantity 0 from the next day; status suspended."""
    on = on or clock.today()
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        _check_in_contract(locked.contract, on, field="on", what="the deactivation date")
        if locked.status != Subscription.Status.ACTIVE:
            raise SeatlineError(
                "subscription_inactive", f"{locked.name} is already suspended", field="subscription"
            )
        check_reduction(locked, on)
        check_provider_window(locked, reduction=locked.quantity, cancel=True)
        applies = refund_for(locked.contract, user_choice=refund)
        before = locked.quantity
        change = new_change(
            locked,
            kind=LicenseChangeLog.Kind.DEACTIVATE,
            effective=max(on + ONE_DAY, locked.start_date),
            delta=-before,
            quantity_after=0,
            price=locked.price,
            refund=applies,
            archived_note="" if applies else NO_CREDIT_NOTE,
        )
        locked.quantity = 0
        locked.status = Subscription.Status.SUSPENDED
        locked.save(update_fields=["quantity", "status"])
        record(
            locked,
            "subscription_deactivated",
            changes={"quantity": (before, 0), "status": ("active", "suspended")},
            message=f"change log {change.pk}: billable through {on.isoformat()}"
            + (", refund applied" if applies else ", no credit applied"),
        )
    _refresh(subscription, locked)
    return change


def activate_subscription(*, subscription: Subscription, on: dt.date | None = None) -> LicenseChangeLog:
    """Restore the quantity held before the last deactivation, billable from `on` (default today)."""
    on = on or clock.today()
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        _check_in_contract(locked.contract, on, field="on", what="the activation date")
        if locked.status == Subscription.Status.ACTIVE:
            raise SeatlineError(
                "subscription_active", f"{locked.name} is already active", field="subscription"
            )
        deactivation = last_deactivation(locked)
        quantity = -deactivation.delta if deactivation is not None and deactivation.delta < 0 else 1
        effective = max(on, deactivation.effective_date) if deactivation is not None else on
        change = new_change(
            locked,
            kind=LicenseChangeLog.Kind.ACTIVATE,
            effective=max(effective, locked.start_date),
            delta=quantity,
            quantity_after=quantity,
            price=locked.price,
        )
        locked.quantity = quantity
        locked.status = Subscription.Status.ACTIVE
        locked.save(update_fields=["quantity", "status"])
        record(
            locked,
            "subscription_activated",
            changes={"quantity": (0, quantity), "status": ("suspended", "active")},
            message=f"change log {change.pk}: billable again from {change.effective_date.isoformat()}",
        )
    _refresh(subscription, locked)
    return change


def change_price(
    *, subscription: Subscription, price: Any, effective: dt.date | None = None
) -> LicenseChangeLog:
    """A `price` change log (delta 0): the new price applies to service days from `effective`."""
    price = money(price, field="price")
    effective = effective or clock.today()
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        _check_in_contract(locked.contract, effective, field="effective", what="the effective date")
        change = apply_price_change(locked, price=price, effective=effective)
    _refresh(subscription, locked)
    return change


def add_nri(
    *,
    contract: BillingContract,
    description: str,
    quantity: Any,
    unit_price: Any,
    date: dt.date | None = None,
    discount_percent: Decimal = Decimal(0),
    taxable: bool = True,
    product: Product | None = None,
    unit_cost: Decimal = Decimal(0),
) -> NonRecurringItem:
    """A non-recurring item, billed on the contract's next eligible document (docs/billing.md 9)."""
    quantity = money(quantity, field="quantity", code="invalid_quantity", positive=True)
    if quantity > MAX_QUANTITY:
        raise SeatlineError(
            "invalid_quantity",
            f"quantity {quantity} is too large: at most {MAX_QUANTITY:,}",
            field="quantity",
        )
    unit_price = money(unit_price, field="unit_price")
    unit_cost = money(unit_cost, field="unit_cost")
    discount = percent(
        discount_percent, field="discount_percent", code="invalid_discount", low=Decimal(0), high=Decimal(100)
    )
    date = date or clock.today()
    check_date(date, field="date", what="the date")
    with transaction.atomic():
        locked = lock_contract(contract.pk)
        nri = NonRecurringItem.objects.create(
            contract=locked,
            account_id=locked.account_id,
            product=product,
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            unit_cost=unit_cost,
            currency=locked.currency,
            discount_percent=discount,
            taxable=taxable,
            date=date,
        )
        if locked.type == "non_recurring":
            due = date + ONE_DAY
            if locked.next_invoice_date is None or due < locked.next_invoice_date:
                BillingContract.objects.filter(pk=locked.pk).update(next_invoice_date=due)
        record(
            nri,
            "nri_added",
            changes={"amount": (None, quantity * unit_price)},
            message=f"{description}: {quantity} x {unit_price} {locked.currency} on {date.isoformat()}",
        )
    return nri


def _check_in_contract(contract: BillingContract, day: dt.date, *, field: str, what: str) -> None:
    """`invalid_date` when `day` is out of the sane bounds or outside the contract's span."""
    check_date(
        day,
        field=field,
        what=what,
        not_before=(contract.start_date, f"the start of contract {contract}"),
        not_after=(contract.end_date, f"the end of contract {contract}") if contract.end_date else None,
    )


def _refresh(target: Subscription, source: Subscription) -> None:
    """Copy the saved state back onto the caller's instance."""
    for name in ("quantity", "status", "price", "updated_at"):
        setattr(target, name, getattr(source, name))
    target._audit_loaded = source._audit_values()  # type: ignore[attr-defined]
