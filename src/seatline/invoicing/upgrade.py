# SPDX-License-Identifier: AGPL-3.0-or-later
"""Upgrade step of migration invoicing 0003: the differences of changes recorded before change
lines were stored.

Before, change lines were computed when a document was generated, as the quantity in force
minus the quantity on the documents, for every invoiced day; nothing was stored between two
documents. A database upgraded with changes not billed yet (a change-log invoice still to come)
would lose them: no change line exists for them and later changes only look at days from their
own effective date. This step stores, once, what the next document would have billed under the
former rule (`core.pending_at_upgrade`) as pending change lines of each subscription, attributed
to its latest change log, with an audit event. Every change recorded afterwards follows the
rule of docs/billing.md 6 (`core.lines_for_change`).

It works on the migration's historical models (`apps`) so that it keeps running when the models
change later; on a new database it finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seatline import core
from seatline.common.choices import UNIT_MONTHS
from seatline.core.types import BilledLine, Change, ContractTerms, SubscriptionSnapshot

ACTOR = "migration invoicing.0003_change_lines"


def _terms(contract: Any) -> ContractTerms:
    return ContractTerms(
        id=contract.pk,
        type=contract.type,
        frequency=contract.frequency or None,
        policy=contract.policy,
        prorate_unit=contract.prorate_unit,
        start=contract.start_date,
        end=contract.end_date,
        auto_renew=contract.auto_renew,
        currency=contract.currency,
        payment_terms=contract.payment_terms,
        invoice_offset_days=contract.invoice_offset_days,
        process_refunds=contract.process_refunds,
        discount_percent=contract.discount_percent,
        minimum_commitment=contract.minimum_commitment,
        renewal_term_months=contract.renewal_term_months,
    )


def carry_over_pending_differences(apps: Any, schema_editor: Any = None) -> int:
    """Store the unbilled differences of every recurring contract as pending change lines
    (module doc); the number of change lines stored."""
    contracts = apps.get_model("contracts", "BillingContract")
    schedules = apps.get_model("contracts", "BillingSchedule")
    subscriptions = apps.get_model("subscriptions", "Subscription")
    change_logs = apps.get_model("subscriptions", "LicenseChangeLog")
    invoice_lines = apps.get_model("invoicing", "InvoiceLine")
    change_lines = apps.get_model("invoicing", "ChangeLine")
    content_types = apps.get_model("contenttypes", "ContentType")
    audit_events = apps.get_model("audit", "AuditEvent")
    now = timezone.now()
    stored = 0
    for contract in contracts.objects.filter(type="recurring").exclude(frequency="").order_by("pk"):
        invoiced = frozenset(
            schedules.objects.filter(contract_id=contract.pk, status="invoiced").values_list(
                "cycle_start", flat=True
            )
        )
        if not invoiced:
            continue
        terms = _terms(contract)
        changes: dict[int, list[Change]] = {}
        for pk, subscription_id, effective, delta, price, kind, refund in (
            change_logs.objects.filter(subscription__contract_id=contract.pk)
            .order_by("effective_date", "id")
            .values_list("id", "subscription_id", "effective_date", "delta", "price", "kind", "refund")
        ):
            changes.setdefault(subscription_id, []).append(Change(pk, effective, delta, price, kind, refund))
        billed: dict[int, list[BilledLine]] = {}
        for subscription_id, type_, start, end, quantity, unit_price, unit_months in (
            invoice_lines.objects.filter(
                invoice__contract_id=contract.pk,
                type__in=("recurring", "proration", "credit"),
                subscription__isnull=False,
            )
            .exclude(invoice__status="void")
            .exclude(invoice__kind="credit_note")
            .order_by("invoice_id", "position", "id")
            .values_list(
                "subscription_id",
                "type",
                "period_start",
                "period_end",
                "quantity",
                "unit_price",
                "unit_months",
            )
        ):
            billed.setdefault(subscription_id, []).append(
                BilledLine(subscription_id, type_, start, end, int(quantity), unit_price, unit_months or 1)
            )
        for subscription_id, type_, start, end, quantity, unit_price, unit_months in (
            change_lines.objects.filter(contract_id=contract.pk, invoice_line__isnull=True)
            .order_by("id")
            .values_list(
                "subscription_id",
                "type",
                "period_start",
                "period_end",
                "quantity",
                "unit_price",
                "unit_months",
            )
        ):  # pending change lines are billed too (none on a database being upgraded)
            billed.setdefault(subscription_id, []).append(
                BilledLine(subscription_id, type_, start, end, quantity, unit_price, unit_months)
            )
        for sub in (
            subscriptions.objects.filter(contract_id=contract.pk)
            .exclude(kind="usage")
            .select_related("product__tax_category")
            .order_by("pk")
        ):
            if not changes.get(sub.pk):
                continue
            category = sub.product.tax_category if sub.product_id else None
            snapshot = SubscriptionSnapshot(
                id=sub.pk,
                kind=sub.kind,
                description=sub.name,
                unit_months=UNIT_MONTHS[sub.sales_unit],
                start=sub.start_date,
                changes=tuple(changes[sub.pk]),
                taxable=sub.taxable,
                tax_category=category.name if category is not None else None,
            )
            latest = max(changes[sub.pk], key=lambda change: change.id)
            content_type, _ = content_types.objects.get_or_create(
                app_label="subscriptions", model="licensechangelog"
            )
            try:
                lines = core.pending_at_upgrade(
                    terms, invoiced_starts=invoiced, subscription=snapshot, billed=billed.get(sub.pk, ())
                )
            except core.CoreError as exc:  # a timeline below zero: the former rule could not bill it either
                audit_events.objects.create(
                    at=now,
                    actor=ACTOR,
                    action="change_lines_not_carried_over",
                    content_type=content_type,
                    object_id=str(latest.id),
                    object_repr=f"change log {latest.id} of {sub.name}"[:200],
                    changes={},
                    message=f"[{exc.code}] {exc.message}",
                )
                continue
            if not lines:
                continue
            change_lines.objects.bulk_create(
                change_lines(
                    contract_id=contract.pk,
                    subscription_id=sub.pk,
                    change_id=latest.id,
                    type=line.type,
                    description=line.description[:300],
                    quantity=int(line.quantity),
                    unit_price=line.unit_price,
                    unit_months=line.unit_months or snapshot.unit_months,
                    period_start=line.period_start,
                    period_end=line.period_end,
                    amount=line.amount,
                    discount=line.discount,
                    currency=contract.currency,
                    taxable=line.taxable,
                    tax_category=line.tax_category or "",
                    created_at=now,
                )
                for line in lines
            )
            audit_events.objects.create(
                at=now,
                actor=ACTOR,
                action="change_lines_computed",
                content_type=content_type,
                object_id=str(latest.id),
                object_repr=f"change log {latest.id} of {sub.name}"[:200],
                changes={},
                message="carried over at upgrade (differences not billed yet): "
                + "; ".join(
                    f"{line.type} {int(line.quantity):+d} {line.period_start}..{line.period_end} {line.amount}"
                    for line in lines
                ),
            )
            stored += len(lines)
    return stored
