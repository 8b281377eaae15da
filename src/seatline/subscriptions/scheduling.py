# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scheduled license changes (SLCL) and price indexation (docs/billing.md section 9)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from seatline import clock, core
from seatline.audit.services import record
from seatline.common.guards import check_date
from seatline.common.parsing import money, whole_quantity
from seatline.common.parsing import percent as as_percent
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions.changes import apply_price_change, apply_quantity_change
from seatline.subscriptions.lock_objects import (
    lock_contract_subscriptions,
    lock_scheduled_change,
    lock_subscription,
)
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog, Subscription
from seatline.subscriptions.selectors import due_scheduled_changes

logger = logging.getLogger("seatline.subscriptions")


@dataclass
class MergeReport:
    merged: list[ScheduledLicenseChangeLog] = field(default_factory=list)
    failed: list[ScheduledLicenseChangeLog] = field(default_factory=list)


def schedule_change(
    *,
    subscription: Subscription,
    effective: dt.date,
    quantity: Any = None,
    price: Any = None,
    source: str = "",
) -> ScheduledLicenseChangeLog:
    """A pending change (absolute target quantity and/or new price), merged on `effective`."""
    if quantity is None and price is None:
        raise SeatlineError(
            "invalid_quantity", "a scheduled change needs a quantity or a price", field="quantity"
        )
    target = whole_quantity(quantity) if quantity is not None else None
    new_price = money(price, field="price") if price is not None else None
    check_date(effective, field="effective", what="the effective date")
    if effective <= clock.today():
        raise SeatlineError(
            "invalid_date",
            f"a scheduled change must take effect after today, not {effective}",
            field="effective",
        )
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        slcl = ScheduledLicenseChangeLog.objects.create(
            subscription=locked,
            effective_date=effective,
            target_quantity=target,
            new_price=new_price,
            source=source,
        )
        record(
            locked,
            "change_scheduled",
            changes={"quantity": (locked.quantity, target), "price": (locked.price, new_price)},
            message=f"scheduled change {slcl.pk} effective {effective.isoformat()}",
        )
    return slcl


def merge_due_scheduled_changes(*, run_date: dt.date, contract_id: int | None = None) -> MergeReport:
    """Merge every pending scheduled change effective on or before `run_date`, oldest first.

    Each merge is its own transaction: a refused one is marked `merge_failed` with the code and
    message and the others go on. `contract_id` limits the merge to one contract.
    """
    report = MergeReport()
    ids = list(due_scheduled_changes(run_date=run_date, contract_id=contract_id).values_list("id", flat=True))
    for slcl_id in ids:
        with transaction.atomic():
            slcl = lock_scheduled_change(slcl_id)
            if slcl.status != ScheduledLicenseChangeLog.Status.PENDING:
                continue  # merged by a concurrent run
            subscription = lock_subscription(slcl.subscription_id)
            try:
                with transaction.atomic():
                    change = _merge_one(slcl, subscription)
            except SeatlineError as exc:
                slcl.status = ScheduledLicenseChangeLog.Status.MERGE_FAILED
                slcl.failure_code = exc.code
                slcl.failure_message = exc.message
                slcl.save(update_fields=["status", "failure_code", "failure_message"])
                record(slcl, "scheduled_change_merge_failed", message=f"[{exc.code}] {exc.message}")
                report.failed.append(slcl)
                continue
            slcl.status = ScheduledLicenseChangeLog.Status.ARCHIVED
            slcl.merged_change = change
            slcl.save(update_fields=["status", "merged_change"])
            record(
                slcl,
                "scheduled_change_merged",
                message=f"merged as change log {change.pk}" if change else "nothing to change",
            )
            report.merged.append(slcl)
    return report


def _merge_one(slcl: ScheduledLicenseChangeLog, subscription: Subscription) -> LicenseChangeLog | None:
    if slcl.target_quantity is not None:
        return apply_quantity_change(
            subscription,
            quantity=slcl.target_quantity,
            effective=slcl.effective_date,
            price=slcl.new_price,
            scheduled=slcl,
        )
    if slcl.new_price is None or slcl.new_price == subscription.price:
        return None
    return apply_price_change(
        subscription, price=slcl.new_price, effective=slcl.effective_date, scheduled=slcl
    )


def index_prices(
    *, contract: BillingContract, percent: Decimal, apply_on: dt.date | None = None
) -> list[LicenseChangeLog | ScheduledLicenseChangeLog]:
    """Raise (or lower) every active subscription's price by `percent` %.

    `apply_on` None or not after today: `price` change logs now (effective `apply_on` or today);
    a future date: one scheduled change per active subscription (source `indexation`).
    """
    percent = as_percent(percent, field="percent", above=Decimal(-100))
    today = clock.today()
    out: list[LicenseChangeLog | ScheduledLicenseChangeLog] = []
    with transaction.atomic():
        locked_contract, subscriptions = lock_contract_subscriptions(contract.pk)
        for subscription in subscriptions:
            if (
                subscription.status != Subscription.Status.ACTIVE
                or subscription.kind == Subscription.Kind.USAGE
            ):
                continue
            new_price = core.indexed_price(subscription.price, percent, subscription.currency)
            if apply_on is None or apply_on <= today:
                subscription.contract = locked_contract
                out.append(
                    apply_price_change(
                        subscription, price=new_price, effective=apply_on or today, action="price_indexed"
                    )
                )
            else:
                out.append(
                    ScheduledLicenseChangeLog.objects.create(
                        subscription=subscription,
                        effective_date=apply_on,
                        new_price=new_price,
                        source="indexation",
                    )
                )
        record(
            locked_contract,
            "prices_indexed",
            message=f"{percent} % on {len(out)} subscription(s), "
            + (f"scheduled for {apply_on.isoformat()}" if apply_on and apply_on > today else "applied now"),
        )
    return out
