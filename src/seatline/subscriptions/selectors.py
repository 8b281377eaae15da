# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads on subscriptions, their change logs, scheduled changes, NRIs and usage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet

from seatline.core.money import usage_amount
from seatline.subscriptions.models import (
    LicenseChangeLog,
    NonRecurringItem,
    ScheduledLicenseChangeLog,
    Subscription,
    UsageRecord,
)


def change_logs(subscription: Subscription) -> QuerySet[LicenseChangeLog]:
    return LicenseChangeLog.objects.filter(subscription=subscription).order_by("effective_date", "id")


def last_deactivation(subscription: Subscription) -> LicenseChangeLog | None:
    return (
        LicenseChangeLog.objects.filter(subscription=subscription, kind=LicenseChangeLog.Kind.DEACTIVATE)
        .order_by("-effective_date", "-id")
        .first()
    )


def due_scheduled_changes(
    *, run_date: dt.date, contract_id: int | None = None
) -> QuerySet[ScheduledLicenseChangeLog]:
    """Pending scheduled changes effective on or before `run_date`, oldest first."""
    qs = ScheduledLicenseChangeLog.objects.filter(
        status=ScheduledLicenseChangeLog.Status.PENDING, effective_date__lte=run_date
    )
    if contract_id is not None:
        qs = qs.filter(subscription__contract_id=contract_id)
    return qs.order_by("effective_date", "id")


def unbilled_nris(*, contract_id: int) -> QuerySet[NonRecurringItem]:
    return NonRecurringItem.objects.filter(
        contract_id=contract_id, status=NonRecurringItem.Status.UNBILLED
    ).order_by("date", "id")


def uninvoiced_usage(*, contract_id: int) -> QuerySet[UsageRecord]:
    return UsageRecord.objects.filter(
        subscription__contract_id=contract_id, confirmed=True, invoiced=False
    ).order_by("period_start", "id")


def uninvoiced_usage_amount(subscription: Subscription) -> Decimal:
    """What the subscription's confirmed, uninvoiced usage will bill (`core.usage_amount` of each
    record, summed unrounded), as a Decimal."""
    total = sum(
        (
            usage_amount(cost, markup)
            for cost, markup in UsageRecord.objects.filter(
                subscription=subscription, confirmed=True, invoiced=False
            ).values_list("cost", "markup_percent")
        ),
        Fraction(0),
    )
    return Decimal(total.numerator) / Decimal(total.denominator)
