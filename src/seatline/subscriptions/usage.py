# SPDX-License-Identifier: AGPL-3.0-or-later
"""Usage records (docs/billing.md section 9): billed in arrears on the next regular invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from seatline.audit.services import record
from seatline.common.guards import check_date
from seatline.common.parsing import money, percent
from seatline.configuration.selectors import configuration
from seatline.errors import SeatlineError
from seatline.subscriptions.lock_objects import lock_subscription
from seatline.subscriptions.models import Subscription, UsageRecord
from seatline.subscriptions.selectors import uninvoiced_usage_amount

THRESHOLDS = (Decimal(80), Decimal(100))


def record_usage(
    *,
    subscription: Subscription,
    cost: Any,
    period_start: dt.date,
    period_end: dt.date,
    markup_percent: Decimal | None = None,
    description: str = "",
    confirmed: bool = True,
) -> UsageRecord:
    """A usage record with the markup in force now: `markup_percent`, else the subscription's (an
    explicit 0 included), else (the subscription has none) the configuration's default."""
    cost = money(cost, field="cost", code="invalid_amount")
    check_date(period_start, field="period_start", what="the period start")
    check_date(period_end, field="period_end", what="the period end")
    if period_end < period_start:
        raise SeatlineError("invalid_date", "the usage period ends before it starts", field="period_end")
    if markup_percent is not None:
        markup_percent = percent(markup_percent, field="markup_percent")
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        if markup_percent is None:
            markup_percent = (
                locked.markup_percent
                if locked.markup_percent is not None  # an explicit 0 % is no markup
                else configuration().default_markup_percent
            )
        before = uninvoiced_usage_amount(locked)
        usage = UsageRecord.objects.create(
            subscription=locked,
            description=description or locked.name,
            cost=cost,
            markup_percent=markup_percent,
            currency=locked.currency,
            period_start=period_start,
            period_end=period_end,
            confirmed=confirmed,
        )
        record(
            usage,
            "usage_recorded",
            changes={"cost": (None, cost), "markup_percent": (None, usage.markup_percent)},
            message=f"{period_start.isoformat()}..{period_end.isoformat()}",
        )
        threshold = locked.consumption_threshold
        if confirmed and threshold:
            after = uninvoiced_usage_amount(locked)
            for level in THRESHOLDS:
                limit = threshold * level / 100
                if before < limit <= after:
                    record(
                        locked,
                        "usage_threshold_reached",
                        message=f"uninvoiced usage {after:.2f} reached {level} % of {threshold}",
                    )
    return usage
