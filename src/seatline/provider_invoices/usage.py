# SPDX-License-Identifier: AGPL-3.0-or-later
"""Usage (Azure plan) billing from active provider invoices: docs/reconciliation-rules.md 5.

From an active invoice, the usage lines matched to a Seatline usage subscription (provider
subscription id) become one usage record per subscription and billing period: cost = the sum of
their pre-tax totals (`subtotal`), the subscription's markup, period = the invoice's billing
period. The existing billing engine bills them on the contract's next regular invoice. Lines of
an unmapped subscription stay on the invoice; `map_usage_lines` (the hook the reconciliation
feature's mapping rules call) maps them later and creates their usage record at that moment.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum

from seatline.audit.services import record
from seatline.errors import SeatlineError
from seatline.invoicing.models import InvoiceLine, InvoiceStatus
from seatline.provider_invoices.models import (
    InvoiceState,
    LineKind,
    Match,
    ProviderInvoice,
    ProviderInvoiceLine,
)
from seatline.subscriptions.models import Subscription, UsageRecord
from seatline.subscriptions.usage import record_usage

FOUR = Decimal("0.0001")


def bill_usage(invoice: ProviderInvoice, *, subscription: Subscription | None = None) -> list[UsageRecord]:
    """Usage records for the matched usage lines of `invoice` that have none yet (one per subscription)."""
    if invoice.state != InvoiceState.ACTIVE:
        return []
    pending = ProviderInvoiceLine.objects.filter(
        invoice=invoice, kind=LineKind.USAGE, subscription__isnull=False, usage_record__isnull=True
    )
    if subscription is not None:
        pending = pending.filter(subscription=subscription)
    sums = pending.values("subscription_id").annotate(cost=Sum("subtotal")).order_by("subscription_id")
    created = []
    for row in sums:
        target = Subscription.objects.get(pk=row["subscription_id"])
        cost = (row["cost"] or Decimal(0)).quantize(FOUR, rounding=ROUND_HALF_UP)
        if cost < 0:
            record(invoice, "usage_not_billed", message=f"{target}: negative usage {cost} is not billed")
            continue
        usage = record_usage(
            subscription=target,
            cost=cost,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            description=f"{target.name} usage {invoice.period_start:%Y-%m-%d}..{invoice.period_end:%Y-%m-%d}",
        )
        UsageRecord.objects.filter(pk=usage.pk).update(
            source_reference=f"{invoice.provider} {invoice.number}"[:200]
        )
        pending.filter(subscription_id=row["subscription_id"]).update(usage_record=usage)
        created.append(usage)
    return created


def billed_usage_exists(invoice: ProviderInvoice) -> bool:
    """Some usage record of the invoice is on a customer invoice that is not void."""
    records = ProviderInvoiceLine.objects.filter(invoice=invoice, usage_record__isnull=False).values(
        "usage_record_id"
    )
    return (
        InvoiceLine.objects.filter(usage_id__in=records).exclude(invoice__status=InvoiceStatus.VOID).exists()
    )


def remove_unbilled_usage(invoice: ProviderInvoice) -> int:
    """Delete the invoice's usage records never billed; unlink those billed on void invoices only."""
    record_ids = set(
        ProviderInvoiceLine.objects.filter(invoice=invoice, usage_record__isnull=False).values_list(
            "usage_record_id", flat=True
        )
    )
    if not record_ids:
        return 0
    ProviderInvoiceLine.objects.filter(invoice=invoice).update(usage_record=None)
    on_invoices = set(InvoiceLine.objects.filter(usage_id__in=record_ids).values_list("usage_id", flat=True))
    removed = 0
    for usage in UsageRecord.objects.filter(pk__in=record_ids - on_invoices):
        record(usage.subscription, "usage_removed", message=f"{usage}: its provider invoice was deactivated")
        usage.delete()
        removed += 1
    return removed


def map_usage_lines(*, provider_subscription_id: str, subscription: Subscription) -> list[UsageRecord]:
    """Map the unmapped usage lines of `provider_subscription_id` (on the provider's active invoices)
    to `subscription` and bill them: a usage record per invoice, created now."""
    if subscription.kind != Subscription.Kind.USAGE:
        raise SeatlineError(
            "not_a_usage_subscription", f"{subscription} is not a usage subscription", field="subscription"
        )
    if subscription.provider_id is None:
        raise SeatlineError("provider_missing", f"{subscription} has no provider", field="subscription")
    created: list[UsageRecord] = []
    with transaction.atomic():
        lines = ProviderInvoiceLine.objects.filter(
            invoice__provider_id=subscription.provider_id,
            invoice__replaced_at__isnull=True,
            invoice__state=InvoiceState.ACTIVE,
            kind=LineKind.USAGE,
            subscription__isnull=True,
            provider_subscription_id__iexact=provider_subscription_id,
        )
        invoice_ids = sorted(set(lines.values_list("invoice_id", flat=True)))
        lines.update(subscription=subscription, match=Match.SUBSCRIPTION)
        for invoice in ProviderInvoice.objects.filter(pk__in=invoice_ids).order_by("period_start", "pk"):
            mapped = ProviderInvoiceLine.objects.filter(invoice=invoice, match="").count()
            ProviderInvoice.objects.filter(pk=invoice.pk).update(unmapped_count=mapped)
            created.extend(bill_usage(invoice, subscription=subscription))
            record(invoice, "usage_lines_mapped", message=f"{provider_subscription_id} -> {subscription}")
    return created


def map_usage_line(*, line: ProviderInvoiceLine, subscription: Subscription) -> list[UsageRecord]:
    """Map one unmapped usage line (and its siblings of the same provider subscription id)."""
    if line.kind != LineKind.USAGE:
        raise SeatlineError("not_a_usage_line", f"row {line.row_number} is not a usage line", field="line")
    if line.subscription_id is not None:
        raise SeatlineError("line_already_mapped", f"row {line.row_number} is already mapped", field="line")
    if line.invoice.provider_id != subscription.provider_id:
        raise SeatlineError(
            "provider_mismatch",
            f"{subscription} is not a subscription of {line.invoice.provider}",
            field="subscription",
        )
    return map_usage_lines(provider_subscription_id=line.provider_subscription_id, subscription=subscription)
