# SPDX-License-Identifier: AGPL-3.0-or-later
"""Loading one provider invoice's reconciliation input from the database as the core's frozen
dataclasses (`seatline.core.reconciliation`): its licence lines, the provider's tenants, the
catalog's provider SKUs, the provider's subscriptions, the mapping rules, the customer invoice
lines behind them and the full-cycle prices of earlier active invoices. Reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from seatline import clock
from seatline.catalog.models import Product
from seatline.core import reconciliation as rc
from seatline.core.rules import current_term_start
from seatline.invoicing.models import InvoiceKind, InvoiceLine, InvoiceStatus
from seatline.provider_invoices.models import InvoiceState, LineKind, ProviderInvoice, ProviderInvoiceLine
from seatline.providers.models import ProviderAccount
from seatline.reconciliation.models import MappingRule
from seatline.subscriptions.models import LicenseChangeLog, Subscription

FULL_CYCLE_CHARGE_TYPES = ("new", "renew", "cycleCharge", "cyclecharge", "Purchase", "purchase")


@dataclass(frozen=True)
class Input:
    lines: list[rc.ProviderLine]
    context: rc.Context
    customer_lines: list[rc.CustomerLine]
    previous: list[rc.PreviousPrice]
    usage_unmapped: list[tuple[int, int, str, str]]  # (line id, row, tenant, subtotal)


def _line(row: tuple) -> rc.ProviderLine:  # type: ignore[type-arg]
    pk, number, kind, tenant, psid, product, sku, charge, bq, subtotal, eup, start, end = row
    return rc.ProviderLine(
        id=pk,
        row=number,
        kind=kind,
        tenant=tenant,
        provider_subscription_id=psid,
        part=f"{product}:{sku}",
        charge_type=charge,
        billable_quantity=bq,
        subtotal=subtotal,
        effective_unit_price=eup,
        charge_start=start,
        charge_end=end,
    )


def _active_in_window(subs: Q, w0: dt.date, w1: dt.date) -> set[int]:
    """Subscriptions whose quantity (by their change logs) is above 0 on some day of [w0, w1]."""
    at_start: dict[int, int] = {}
    active: set[int] = set()
    rows = (
        LicenseChangeLog.objects.filter(subs, effective_date__lte=w1)
        .order_by("subscription_id", "effective_date", "id")
        .values_list("subscription_id", "effective_date", "quantity_after")
    )
    for sub_id, effective, quantity in rows.iterator(chunk_size=5000):
        if effective <= w0:
            at_start[sub_id] = quantity
        elif quantity > 0:
            active.add(sub_id)
    active.update(sub_id for sub_id, quantity in at_start.items() if quantity > 0)
    return active


def customer_lines(subs: Q, w0: dt.date, w1: dt.date) -> list[rc.CustomerLine]:
    """Recurring, proration and credit lines of `sub_ids` overlapping [w0, w1], on documents issued
    up to now; a void invoice and the credit notes that voided it are both left out."""
    found = (
        InvoiceLine.objects.filter(
            subs,
            type__in=sorted(rc.CUSTOMER_LINE_TYPES),
            period_start__lte=w1,
            period_end__gte=w0,
            invoice__issued_at__lte=clock.now(),
        )
        .exclude(invoice__status__in=(InvoiceStatus.DRAFT, InvoiceStatus.VOID))
        .exclude(
            Q(invoice__kind=InvoiceKind.CREDIT_NOTE) & Q(invoice__credited_invoice__status=InvoiceStatus.VOID)
        )
        .order_by("id")
        .values_list(
            "id",
            "invoice_id",
            "subscription_id",
            "type",
            "quantity",
            "period_start",
            "period_end",
            "net",
            "invoice__currency",
            "invoice__invoice_date",
        )
    )
    return [
        rc.CustomerLine(
            id=pk,
            invoice_id=invoice_id,
            subscription_id=sub_id,
            type=kind,
            quantity=quantity,
            period_start=start,
            period_end=end,
            net=net,
            currency=currency,
            invoice_date=date,
        )
        for pk, invoice_id, sub_id, kind, quantity, start, end, net, currency, date in found.iterator(
            chunk_size=5000
        )
    ]


def load(invoice: ProviderInvoice) -> Input:
    w0, w1 = invoice.period_start, invoice.period_end
    provider = invoice.provider
    lines = [
        _line(row)
        for row in ProviderInvoiceLine.objects.filter(invoice=invoice, kind__in=sorted(rc.RECONCILED_KINDS))
        .order_by("row_number", "id")
        .values_list(
            "id",
            "row_number",
            "kind",
            "customer_tenant_id",
            "provider_subscription_id",
            "product_id",
            "sku_id",
            "charge_type",
            "billable_quantity",
            "subtotal",
            "effective_unit_price",
            "charge_start",
            "charge_end",
        )
        .iterator(chunk_size=5000)
    ]
    tenants = {
        tenant.lower(): account_id
        for tenant, account_id in ProviderAccount.objects.filter(provider=provider, account__isnull=False)
        .order_by("id")
        .values_list("provider_customer_id", "account_id")
    }
    parts: dict[str, int] = {}
    for pk, part in Product.objects.exclude(part_number="").order_by("id").values_list("pk", "part_number"):
        parts.setdefault(part.lower(), pk)
    rows = list(
        Subscription.objects.filter(provider=provider)
        .exclude(kind=Subscription.Kind.USAGE)
        .order_by("id")
        .values_list(
            "pk", "account_id", "product_id", "provider_subscription_id", "start_date", "term_months"
        )
    )
    of_provider = Q(subscription__provider=provider) & ~Q(subscription__kind=Subscription.Kind.USAGE)
    active = _active_in_window(of_provider, w0, w1)
    subscriptions = [
        rc.Subscription(
            id=pk,
            account_id=account_id,
            product_id=product_id,
            provider_subscription_id=psid,
            active_in_window=pk in active,
            term_start=current_term_start(term_months=term, subscription_start=start, day=w0)
            if term
            else None,
        )
        for pk, account_id, product_id, psid, start, term in rows
    ]
    rules = [
        rc.Rule(
            id=rule.pk,
            provider_subscription_id=rule.provider_subscription_id,
            tenant=rule.tenant,
            part=rule.part,
            subscription_id=rule.subscription_id,
            account_id=rule.account_id,
            product_id=rule.product_id,
            ignore=rule.action == MappingRule.Action.IGNORE,
            reason=rule.reason,
        )
        for rule in MappingRule.objects.filter(provider=provider, active=True).order_by("-id")
    ]
    context = rc.Context(
        window_start=w0,
        window_end=w1,
        currency=invoice.currency,
        tenants=tenants,
        parts=parts,
        subscriptions=subscriptions,
        rules=rules,
    )
    by_psid = {psid.lower(): pk for pk, _, _, psid, _, _ in rows if psid}
    previous = [
        rc.PreviousPrice(subscription_id=by_psid[psid.lower()], charge_start=start, effective_unit_price=eup)
        for psid, start, eup in ProviderInvoiceLine.objects.filter(
            invoice__provider=provider,
            invoice__state=InvoiceState.ACTIVE,
            invoice__period_start__lt=w0,
            charge_type__in=FULL_CYCLE_CHARGE_TYPES,
            charge_start__isnull=False,
        )
        .exclude(provider_subscription_id="")
        .values_list("provider_subscription_id", "charge_start", "effective_unit_price")
        .iterator(chunk_size=5000)
        if psid.lower() in by_psid
    ]
    usage_unmapped = list(
        ProviderInvoiceLine.objects.filter(invoice=invoice, kind=LineKind.USAGE, subscription__isnull=True)
        .order_by("row_number", "id")
        .values_list("id", "row_number", "customer_tenant_id", "subtotal")
    )
    return Input(
        lines=lines,
        context=context,
        customer_lines=customer_lines(of_provider, w0, w1),
        previous=previous,
        usage_unmapped=usage_unmapped,
    )
