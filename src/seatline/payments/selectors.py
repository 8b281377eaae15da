# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads on payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from seatline.invoicing.models import Invoice
from seatline.payments.models import ChargeAttempt, Payment, Refund


def payment_for_transaction(*, processor: str, transaction_id: str) -> Payment | None:
    return Payment.objects.filter(processor=processor, processor_transaction_id=transaction_id).first()


def payments_of(invoice: Invoice) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice=invoice).order_by("date", "id")


def paid_amount(invoice: Invoice) -> Decimal:
    return Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def outcome_counts() -> dict[str, int]:
    """Collections at a glance: charge attempts failed and pending (accepted or in flight), settled
    payments (every Payment row: charges, PayNow and recorded manual payments) and refunds."""
    attempts = dict(
        ChargeAttempt.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {
        "failed": attempts.get(ChargeAttempt.Status.FAILED, 0),
        "pending": attempts.get(ChargeAttempt.Status.PENDING, 0)
        + attempts.get(ChargeAttempt.Status.STARTED, 0),
        "succeeded": Payment.objects.count(),
        "refunded": Refund.objects.count(),
    }


def dashboard(changelist_url: str) -> dict[str, Any]:
    """The payments dashboard: counts per state (with their filtered lists), failed charges by
    customer (a bar each) and the latest failures with the processor's reason."""
    counts = dict(
        ChargeAttempt.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    refunds = Refund.objects.count()
    cards = [
        (label, counts.get(status, 0), f"{changelist_url}?status__exact={status}")
        for label, status in (
            ("Failed", "failed"),
            ("Pending", "pending"),
            ("Succeeded", "succeeded"),
            ("Skipped", "skipped"),
        )
    ]
    cards.append(("Refunded", refunds, changelist_url.replace("chargeattempt", "refund")))
    by_customer = list(
        ChargeAttempt.objects.filter(status=ChargeAttempt.Status.FAILED)
        .values_list("invoice__account__name")
        .annotate(n=Count("id"))
        .order_by("-n", "invoice__account__name")[:15]
    )
    top = max((n for _, n in by_customer), default=1)
    failures = list(
        ChargeAttempt.objects.filter(status=ChargeAttempt.Status.FAILED)
        .select_related("invoice", "invoice__account")
        .order_by("-date", "-id")[:10]
    )
    return {
        "cards": cards,
        "by_customer": [(name, n, max(4, int(240 * n / top))) for name, n in by_customer],
        "failures": failures,
    }
