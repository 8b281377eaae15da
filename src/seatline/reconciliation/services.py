# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reconciliation services: compute (and recompute) a provider invoice's reconciliation, map or
ignore unmapped lines (saving mapping rules), dismiss a group. The group actions that bill or
credit a customer are in `actions.py`.

Refusals (`SeatlineError`, nothing changes): `provider_invoice_not_active`, `reason_required`,
`invalid_mapping`, `provider_mismatch`, `line_not_unmapped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from seatline import clock
from seatline.audit.context import current_actor
from seatline.audit.services import record
from seatline.catalog.models import Product
from seatline.core import reconciliation as rc
from seatline.core.money import quantize
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.provider_invoices.models import InvoiceState, LineKind, ProviderInvoice, ProviderInvoiceLine
from seatline.reconciliation.loading import load
from seatline.reconciliation.models import (
    GroupCustomerLine,
    GroupSubscription,
    MappingRule,
    ReconciledLine,
    Reconciliation,
    ReconciliationGroup,
    Resolution,
)
from seatline.reconciliation.writing import clear, write_rows
from seatline.subscriptions.models import Subscription

BATCH = 5000
RESOLUTION_FIELDS = ("resolution", "resolution_reason", "resolution_invoice_id", "resolved_at", "resolved_by")


def reconcile_invoice(*, invoice: ProviderInvoice) -> Reconciliation:
    """Compute `invoice`'s reconciliation from stored data, replacing the previous result (the
    groups' resolutions are kept for the same subscriptions). Same data, same numbers."""
    with transaction.atomic():
        locked = ProviderInvoice.objects.select_for_update().select_related("provider").get(pk=invoice.pk)
        if locked.state != InvoiceState.ACTIVE:
            raise SeatlineError(
                "provider_invoice_not_active",
                f"{locked} is {locked.get_state_display().lower()}: only active invoices are reconciled",
                field="invoice",
            )
        data = load(locked)
        result = rc.reconcile(data.lines, data.context, data.customer_lines, data.previous)
        recon, _ = Reconciliation.objects.get_or_create(
            provider_invoice=locked, defaults={"currency": locked.currency}
        )
        kept = {
            row["key"]: row for row in recon.groups.exclude(resolution="").values("key", *RESOLUTION_FIELDS)
        }
        clear(recon)
        groups = _save_groups(recon, result, data.context, kept)
        unmapped, ignored = _save_lines(recon, result, groups, data)
        recon.currency = locked.currency
        recon.provider_cost = result.provider_cost
        recon.revenue = result.revenue
        recon.margin = result.margin
        recon.margin_percent = (
            (result.margin * 100 / result.revenue).quantize(Decimal("0.01")) if result.revenue else None
        )
        recon.leakage_amount = result.leakage_amount
        recon.unmapped_amount = quantize(
            result.unmapped_amount + sum((Decimal(row[3]) for row in data.usage_unmapped), start=Decimal(0)),
            locked.currency,
        )
        recon.group_count = len(result.groups)
        recon.unmapped_count = unmapped
        recon.ignored_count = ignored
        recon.computed_at = clock.now()
        recon.runs += 1
        recon.save()
        counts: dict[str, int] = {}
        for group in result.groups:
            counts[group.status] = counts.get(group.status, 0) + 1
        record(
            locked,
            "reconciliation_computed",
            message=(
                f"run {recon.runs}: {len(result.groups)} group(s) "
                + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                + f"; cost {recon.provider_cost}, revenue {recon.revenue}, leakage {recon.leakage_amount}, "
                f"{unmapped} unmapped"
            ),
        )
    return recon


def _save_groups(
    recon: Reconciliation, result: rc.Result, ctx: rc.Context, kept: dict[str, dict]
) -> dict[str, ReconciliationGroup]:
    subs = {sub.id: sub for sub in ctx.subscriptions}
    firsts = [subs[g.subscription_ids[0]] for g in result.groups]
    names = dict(Account.objects.filter(pk__in={s.account_id for s in firsts}).values_list("pk", "name"))
    products = dict(
        Product.objects.filter(pk__in={s.product_id for s in firsts if s.product_id}).values_list(
            "pk", "name"
        )
    )
    rows = []
    for group, first in zip(result.groups, firsts, strict=True):
        previous = kept.get(group.key, {})
        rows.append(
            ReconciliationGroup(
                reconciliation=recon,
                key=group.key[:500],
                account_id=first.account_id,
                product_id=first.product_id,
                description=f"{names.get(first.account_id, '?')}: {products.get(first.product_id or 0, '-')}"[
                    :300
                ],
                status=group.status,
                provider_seat_days=group.provider_seat_days,
                billed_seat_days=group.billed_seat_days,
                seat_day_variance=group.seat_day_variance,
                provider_cost=group.provider_cost,
                revenue=group.revenue,
                margin=group.margin,
                margin_percent=group.margin_percent,
                leakage_amount=group.leakage_amount,
                price_changed_within_term=rc.PRICE_CHANGED in group.flags,
                negative_margin=rc.NEGATIVE_MARGIN in group.flags,
                **{name: previous[name] for name in RESOLUTION_FIELDS if name in previous},
            )
        )
    saved = ReconciliationGroup.objects.bulk_create(rows, batch_size=BATCH)
    by_key = {group.key: group for group in saved}
    write_rows(
        GroupSubscription,
        ("group_id", "subscription_id"),
        ((by_key[g.key[:500]].pk, sub_id) for g in result.groups for sub_id in g.subscription_ids),
    )
    write_rows(
        GroupCustomerLine,
        ("group_id", "invoice_line_id"),
        ((by_key[g.key[:500]].pk, line_id) for g in result.groups for line_id in g.customer_line_ids),
    )
    return {g.key: by_key[g.key[:500]] for g in result.groups}


def _save_lines(
    recon: Reconciliation, result: rc.Result, groups: dict[str, ReconciliationGroup], data: object
) -> tuple[int, int]:
    group_of_sub = {sub_id: groups[g.key] for g in result.groups for sub_id in g.subscription_ids}
    changed = {line_id for g in result.groups for line_id in g.price_changed_line_ids}
    lines = {line.id: line for line in data.lines}  # type: ignore[attr-defined]
    rows: list[tuple[object, ...]] = []
    unmapped = ignored = 0
    for match in result.matches:
        if match.how == "":
            unmapped += 1
        elif match.how == "ignored":
            ignored += 1
        rows.append(
            (
                recon.pk,
                match.line_id,
                group_of_sub[match.subscription_ids[0]].pk if match.subscription_ids else None,
                match.how,
                match.reason if match.how == "" else "",
                match.rule_id,
                match.line_id in changed,
                lines[match.line_id].subtotal,
            )
        )
    tenants = data.context.tenants  # type: ignore[attr-defined]
    for line_id, _row, tenant, subtotal in data.usage_unmapped:  # type: ignore[attr-defined]
        unmapped += 1
        reason = rc.UNKNOWN_SUBSCRIPTION if tenant.lower() in tenants else rc.UNKNOWN_CUSTOMER
        rows.append((recon.pk, line_id, None, "", reason, None, False, subtotal))
    write_rows(
        ReconciledLine,
        (
            "reconciliation_id",
            "line_id",
            "group_id",
            "outcome",
            "reason",
            "rule_id",
            "price_changed",
            "amount",
        ),
        rows,
    )
    return unmapped, ignored


# -- the unmapped queue -------------------------------------------------------------------------


def _rule_key(line: ProviderInvoiceLine) -> dict[str, str]:
    if line.provider_subscription_id:
        return {"provider_subscription_id": line.provider_subscription_id}
    return {"tenant": line.customer_tenant_id, "part": f"{line.product_id}:{line.sku_id}"}


def _unmapped(lines: Sequence[ReconciledLine]) -> list[ReconciledLine]:
    """The current rows of these provider lines (a rerun replaces the rows), all unmapped."""
    if not lines:
        raise SeatlineError("line_not_unmapped", "select at least one unmapped line", field="lines")
    current = list(
        ReconciledLine.objects.filter(line_id__in=[item.line_id for item in lines])
        .select_related("line__invoice__provider", "reconciliation")
        .order_by("line_id")
    )
    if len(current) != len({item.line_id for item in lines}):
        raise SeatlineError("line_not_unmapped", "a selected line is no longer reconciled", field="lines")
    for item in current:
        if item.outcome != "":
            raise SeatlineError(
                "line_not_unmapped", f"{item.line} is {item.get_outcome_display().lower()}", field="lines"
            )
    return current


def map_lines(
    *,
    lines: Sequence[ReconciledLine],
    subscription: Subscription | None = None,
    account: Account | None = None,
    product: Product | None = None,
) -> list[MappingRule]:
    """Map unmapped lines to a subscription, or to an account + product: one mapping rule per
    distinct line key (provider subscription id, else tenant + product:SKU), used by this and every
    later reconciliation of the provider; the reconciliations concerned are recomputed."""
    items = _unmapped(lines)
    if subscription is None and (account is None or product is None):
        raise SeatlineError(
            "invalid_mapping", "choose a subscription, or a customer and a product", field="subscription"
        )
    rules: list[MappingRule] = []
    with transaction.atomic():
        seen: set[tuple[str, ...]] = set()
        for item in items:
            line = item.line
            provider = line.invoice.provider
            if subscription is not None and subscription.provider_id not in (None, provider.pk):
                raise SeatlineError(
                    "provider_mismatch",
                    f"{subscription.name} is not a subscription of {provider}",
                    field="subscription",
                )
            key = _rule_key(line)
            marker = (str(provider.pk), *sorted(key.values()))
            if marker in seen:
                continue
            seen.add(marker)
            rule = MappingRule(
                provider=provider,
                action=MappingRule.Action.MAP,
                subscription=subscription,
                account=None if subscription is not None else account,
                product=None if subscription is not None else product,
                created_by=current_actor()[:150],
                **key,
            )
            rule.save()
            rules.append(rule)
            if line.kind == LineKind.USAGE and subscription is not None:
                from seatline.provider_invoices.services import map_usage_line

                map_usage_line(line=line, subscription=subscription)
            record(rule, "mapping_rule_created", message=f"from {line}: {rule}")
        _recompute({item.reconciliation.provider_invoice_id for item in items})
    return rules


def ignore_lines(*, lines: Sequence[ReconciledLine], reason: str) -> list[MappingRule]:
    """Ignore unmapped lines with a reason (required): kept on the invoice, counted nowhere, and
    the same lines of later imports are ignored too (an `ignore` mapping rule)."""
    items = _unmapped(lines)
    reason = (reason or "").strip()
    if not reason:
        raise SeatlineError("reason_required", "say why these lines are ignored", field="reason")
    rules: list[MappingRule] = []
    with transaction.atomic():
        seen: set[tuple[str, ...]] = set()
        for item in items:
            line = item.line
            key = _rule_key(line)
            marker = (str(line.invoice.provider_id), *sorted(key.values()))
            if marker in seen:
                continue
            seen.add(marker)
            rule = MappingRule(
                provider=line.invoice.provider,
                action=MappingRule.Action.IGNORE,
                reason=reason,
                created_by=current_actor()[:150],
                **key,
            )
            rule.save()
            rules.append(rule)
            record(rule, "mapping_rule_created", message=f"from {line}: ignored ({reason})")
        _recompute({item.reconciliation.provider_invoice_id for item in items})
    return rules


def deactivate_rule(*, rule: MappingRule) -> MappingRule:
    """Stop applying a mapping rule (later reconciliations treat its lines as before)."""
    with transaction.atomic():
        locked = MappingRule.objects.select_for_update().get(pk=rule.pk)
        if not locked.active:
            raise SeatlineError("rule_inactive", "this mapping rule is already inactive", field="rule")
        locked.active = False
        locked.save()
    return locked


def _recompute(invoice_ids: set[int]) -> None:
    for invoice in ProviderInvoice.objects.filter(pk__in=invoice_ids, state=InvoiceState.ACTIVE).order_by(
        "id"
    ):
        reconcile_invoice(invoice=invoice)


def require_active(group: ReconciliationGroup) -> None:
    """Acting on a group needs its provider invoice active (else `provider_invoice_not_active`)."""
    invoice = group.reconciliation.provider_invoice
    if invoice.state != InvoiceState.ACTIVE:
        raise SeatlineError(
            "provider_invoice_not_active",
            f"{invoice} is {invoice.get_state_display().lower()}: its reconciliation is only shown",
            field="group",
        )


def dismiss_group(*, group: ReconciliationGroup, reason: str) -> ReconciliationGroup:
    """Dismiss a group's variance with a reason (required); kept across reruns."""
    with transaction.atomic():
        locked = (
            ReconciliationGroup.objects.select_for_update()
            .select_related("reconciliation__provider_invoice")
            .get(pk=group.pk)
        )
        require_active(locked)
        reason = (reason or "").strip()
        if not reason:
            raise SeatlineError("reason_required", "say why this group is dismissed", field="reason")
        if locked.status == "matched":
            raise SeatlineError("group_matched", "a matched group has nothing to dismiss", field="group")
        set_resolution(locked, Resolution.DISMISSED, reason=reason)
    return locked


def set_resolution(
    group: ReconciliationGroup, resolution: str, *, reason: str = "", invoice_id: int | None = None
) -> None:
    """Record a user's action on `group` (caller's transaction) with its audit record."""
    group.resolution = resolution
    group.resolution_reason = reason
    group.resolution_invoice_id = invoice_id
    group.resolved_at = clock.now()
    group.resolved_by = current_actor()[:150]
    group.save(update_fields=list(RESOLUTION_FIELDS))
    record(
        group.reconciliation.provider_invoice,
        f"reconciliation_group_{resolution}",
        message=f"group {group.key} ({group.description}): {group.get_status_display()}, variance "
        f"{group.seat_day_variance} seat-days" + (f": {reason}" if reason else ""),
    )
