# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reconciliation of one provider invoice, pure (docs/reconciliation-rules.md sections 3 and 4).

No Django: the reconciliation services load provider lines, subscriptions, mapping rules and the
customer invoice lines as the frozen dataclasses below and call `reconcile`, which returns the
matches, the unmapped lines and the groups with every figure. Same input, same output: every
amount is computed as an exact `Fraction` and rounded once at the end (currency minor units,
ROUND_HALF_UP; `margin_percent` to 2 decimals).

Matching cascade per licence (or licence credit) line, first rule with candidates wins:

1. the provider subscription id of a Seatline subscription of this provider;
2. a saved mapping rule (by provider subscription id, else by tenant + product:SKU): to one
   subscription, or to an account + product (that account's subscriptions of that product);
3. tenant + product: the tenant's account and the product of the line's `ProductId:SkuId`;
   candidates are that account's subscriptions of that product without a provider subscription id;
4. else unmapped: `unknown_customer`, `unknown_product` or `unknown_subscription`.

A rule may also say `ignore` (with a reason): the line is kept, reported as ignored, and counted
nowhere. Groups are the connected components of subscriptions sharing lines; a subscription of
the provider active on some day of the window and without lines is `missing_at_provider`
(grouped by account and product).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, localcontext

from seatline.core.money import to_fraction
from seatline.core.periods import days_inclusive
from seatline.core.reconciliation_figures import Exact, money, percent, plus, price_changes, share
from seatline.core.reconciliation_types import (
    BY_RULE as BY_RULE,
)
from seatline.core.reconciliation_types import (
    BY_SUBSCRIPTION_ID as BY_SUBSCRIPTION_ID,
)
from seatline.core.reconciliation_types import (
    BY_TENANT_PRODUCT as BY_TENANT_PRODUCT,
)
from seatline.core.reconciliation_types import (
    CUSTOMER_LINE_TYPES as CUSTOMER_LINE_TYPES,
)
from seatline.core.reconciliation_types import (
    FULL_CYCLE_CHARGES as FULL_CYCLE_CHARGES,
)
from seatline.core.reconciliation_types import (
    MATCHED as MATCHED,
)
from seatline.core.reconciliation_types import (
    MISSING as MISSING,
)
from seatline.core.reconciliation_types import (
    NEGATIVE_MARGIN as NEGATIVE_MARGIN,
)
from seatline.core.reconciliation_types import (
    NO_EXCHANGE_RATE as NO_EXCHANGE_RATE,
)
from seatline.core.reconciliation_types import (
    OVERBILLED as OVERBILLED,
)
from seatline.core.reconciliation_types import (
    PRICE_CHANGED as PRICE_CHANGED,
)
from seatline.core.reconciliation_types import (
    RECONCILED_KINDS as RECONCILED_KINDS,
)
from seatline.core.reconciliation_types import (
    UNBILLED as UNBILLED,
)
from seatline.core.reconciliation_types import (
    UNKNOWN_CUSTOMER as UNKNOWN_CUSTOMER,
)
from seatline.core.reconciliation_types import (
    UNKNOWN_PRODUCT as UNKNOWN_PRODUCT,
)
from seatline.core.reconciliation_types import (
    UNKNOWN_SUBSCRIPTION as UNKNOWN_SUBSCRIPTION,
)
from seatline.core.reconciliation_types import (
    Context as Context,
)
from seatline.core.reconciliation_types import (
    CustomerLine as CustomerLine,
)
from seatline.core.reconciliation_types import (
    Group as Group,
)
from seatline.core.reconciliation_types import (
    LineMatch as LineMatch,
)
from seatline.core.reconciliation_types import (
    PreviousPrice as PreviousPrice,
)
from seatline.core.reconciliation_types import (
    ProviderLine as ProviderLine,
)
from seatline.core.reconciliation_types import (
    Result as Result,
)
from seatline.core.reconciliation_types import (
    Rule as Rule,
)
from seatline.core.reconciliation_types import (
    Subscription as Subscription,
)


def window_days(start: dt.date | None, end: dt.date | None, w0: dt.date, w1: dt.date) -> tuple[int, int]:
    """(days of [start, end] inside the window, days of [start, end]); a line without dates covers W."""
    a, b = start or w0, end or w1
    if b < a:
        a, b = b, a
    return days_inclusive(max(a, w0), min(b, w1)), days_inclusive(a, b)


def _rule_for(line: ProviderLine, rules: Sequence[Rule]) -> Rule | None:
    psid = line.provider_subscription_id.lower()
    if psid:
        for rule in rules:
            if rule.provider_subscription_id and rule.provider_subscription_id.lower() == psid:
                return rule
    tenant, part = line.tenant.lower(), line.part.lower()
    for rule in rules:
        if not rule.provider_subscription_id and rule.tenant.lower() == tenant and rule.part.lower() == part:
            return rule
    return None


class _Index:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.by_psid: dict[str, int] = {}
        self.by_account_product: dict[tuple[int, int], list[int]] = {}
        self.without_psid: dict[tuple[int, int], list[int]] = {}
        self.subs = {sub.id: sub for sub in ctx.subscriptions}
        for sub in sorted(ctx.subscriptions, key=lambda s: s.id):
            if sub.provider_subscription_id:
                self.by_psid.setdefault(sub.provider_subscription_id.lower(), sub.id)
            if sub.product_id is not None:
                key = (sub.account_id, sub.product_id)
                self.by_account_product.setdefault(key, []).append(sub.id)
                if not sub.provider_subscription_id:
                    self.without_psid.setdefault(key, []).append(sub.id)

    def match(self, line: ProviderLine) -> LineMatch:
        found = (
            self.by_psid.get(line.provider_subscription_id.lower()) if line.provider_subscription_id else None
        )
        if found is not None:
            return LineMatch(line.id, line.row, BY_SUBSCRIPTION_ID, (found,))
        rule = _rule_for(line, self.ctx.rules)
        if rule is not None:
            if rule.ignore:
                return LineMatch(line.id, line.row, "ignored", (), rule.reason, rule.id)
            if rule.subscription_id is not None and rule.subscription_id in self.subs:
                return LineMatch(line.id, line.row, BY_RULE, (rule.subscription_id,), "", rule.id)
            if rule.account_id is not None and rule.product_id is not None:
                ids = self.by_account_product.get((rule.account_id, rule.product_id), [])
                if ids:
                    return LineMatch(line.id, line.row, BY_RULE, tuple(ids), "", rule.id)
        account = self.ctx.tenants.get(line.tenant.lower()) if line.tenant else None
        product = self.ctx.parts.get(line.part.lower()) if line.part.strip(":") else None
        if account is not None and product is not None:
            ids = self.without_psid.get((account, product), [])
            if ids:
                return LineMatch(line.id, line.row, BY_TENANT_PRODUCT, tuple(ids))
        reason = (
            UNKNOWN_CUSTOMER
            if account is None
            else UNKNOWN_PRODUCT
            if product is None
            else UNKNOWN_SUBSCRIPTION
        )
        return LineMatch(line.id, line.row, "", (), reason)


def match_lines(lines: Iterable[ProviderLine], ctx: Context) -> list[LineMatch]:
    """The matching cascade (module doc) for the licence and credit lines of `lines`."""
    index = _Index(ctx)
    return [index.match(line) for line in lines if line.kind in RECONCILED_KINDS]


def _components(matches: Sequence[LineMatch]) -> list[tuple[tuple[int, ...], list[LineMatch]]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for match in matches:
        for sub_id in match.subscription_ids:
            parent.setdefault(sub_id, sub_id)
        first = match.subscription_ids[0]
        for other in match.subscription_ids[1:]:
            ra, rb = find(first), find(other)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for sub_id in parent:
        members.setdefault(find(sub_id), []).append(sub_id)
    lines: dict[int, list[LineMatch]] = {}
    for match in matches:
        lines.setdefault(find(match.subscription_ids[0]), []).append(match)
    return sorted(
        ((tuple(sorted(ids)), lines.get(root, [])) for root, ids in members.items()), key=lambda item: item[0]
    )


def _group(
    key_ids: tuple[int, ...],
    lines: Sequence[ProviderLine],
    customer: Sequence[CustomerLine],
    ctx: Context,
    previous: Mapping[int, Sequence[PreviousPrice]],
    subs: Mapping[int, Subscription],
    *,
    missing: bool,
) -> Group:
    w0, w1 = ctx.window_start, ctx.window_end
    provider_days = 0
    cost: Exact = Decimal(0)
    for line in lines:
        inside, length = window_days(line.charge_start, line.charge_end, w0, w1)
        if not inside:
            continue
        sign = -1 if line.subtotal < 0 else 1
        provider_days += sign * int(abs(line.billable_quantity)) * inside
        cost = plus(cost, share(line.subtotal, inside, length))
    billed_days = 0
    revenue: Exact = Decimal(0)
    no_rate = False
    for cline in customer:
        inside, length = window_days(cline.period_start, cline.period_end, w0, w1)
        if not inside:
            continue
        billed_days += int(cline.quantity) * inside
        net = cline.net
        if cline.currency.upper() != ctx.currency.upper():
            rate = ctx.exchange_rates.get((cline.currency.upper(), cline.invoice_date))
            if rate is None:
                no_rate = True
                continue
            net = net * rate
        revenue = plus(revenue, share(net, inside, length))
    variance = provider_days - billed_days
    if no_rate:
        status = NO_EXCHANGE_RATE
    elif missing:
        status = MISSING
    elif variance == 0:
        status = MATCHED
    else:
        status = UNBILLED if variance > 0 else OVERBILLED
    margin = plus(revenue, -cost)
    leakage: Exact = (
        to_fraction(cost) * variance / provider_days if variance > 0 and provider_days else Decimal(0)
    )
    changed = price_changes(lines, subs, key_ids, previous)
    flags = []
    if changed:
        flags.append(PRICE_CHANGED)
    if revenue < cost:
        flags.append(NEGATIVE_MARGIN)
    return Group(
        key=",".join(str(i) for i in key_ids),
        subscription_ids=key_ids,
        line_ids=tuple(sorted(line.id for line in lines)),
        customer_line_ids=tuple(sorted(c.id for c in customer)),
        status=status,
        provider_seat_days=provider_days,
        billed_seat_days=billed_days,
        seat_day_variance=variance,
        provider_cost=money(cost, ctx.currency),
        revenue=money(revenue, ctx.currency),
        margin=money(margin, ctx.currency),
        margin_percent=percent(margin, revenue),
        leakage_amount=money(leakage, ctx.currency),
        flags=tuple(flags),
        price_changed_line_ids=tuple(sorted(changed)),
        exact=(cost, revenue, leakage),
    )


def reconcile(
    lines: Sequence[ProviderLine],
    ctx: Context,
    customer_lines: Sequence[CustomerLine],
    previous_prices: Sequence[PreviousPrice] = (),
) -> Result:
    """Match `lines` (module doc) and compute every group of rules section 4.

    `customer_lines` are the lines of the context's subscriptions (others are ignored);
    `previous_prices` the full-cycle lines of the earlier active invoices (price lock check).
    """
    with localcontext() as wide:
        wide.prec = 100  # Decimal sums stay exact; rounding happens once, in _money
        return _reconcile(lines, ctx, customer_lines, previous_prices)


def _reconcile(
    lines: Sequence[ProviderLine],
    ctx: Context,
    customer_lines: Sequence[CustomerLine],
    previous_prices: Sequence[PreviousPrice],
) -> Result:
    matches = match_lines(lines, ctx)
    by_id = {line.id: line for line in lines}
    matched = [m for m in matches if m.subscription_ids]
    by_sub: dict[int, list[CustomerLine]] = {}
    for cline in customer_lines:
        if cline.type in CUSTOMER_LINE_TYPES:
            by_sub.setdefault(cline.subscription_id, []).append(cline)
    subs = {sub.id: sub for sub in ctx.subscriptions}
    previous: dict[int, list[PreviousPrice]] = {}
    for item in previous_prices:
        previous.setdefault(item.subscription_id, []).append(item)
    groups: list[Group] = []
    grouped: set[int] = set()
    for ids, members in _components(matched):
        grouped.update(ids)
        group_lines = [by_id[m.line_id] for m in members]
        group_customer = [c for sub_id in ids for c in by_sub.get(sub_id, [])]
        groups.append(_group(ids, group_lines, group_customer, ctx, previous, subs, missing=False))
    missing: dict[tuple[int, int | None], list[int]] = {}
    for sub in ctx.subscriptions:
        if sub.id not in grouped and sub.active_in_window:
            missing.setdefault((sub.account_id, sub.product_id), []).append(sub.id)
    for ids_list in missing.values():
        ids = tuple(sorted(ids_list))
        group_customer = [c for sub_id in ids for c in by_sub.get(sub_id, [])]
        groups.append(_group(ids, [], group_customer, ctx, previous, subs, missing=True))
    groups.sort(key=lambda g: g.subscription_ids)
    counted = [g for g in groups if g.status != NO_EXCHANGE_RATE]
    cost: Exact = Decimal(0)
    revenue: Exact = Decimal(0)
    leakage: Exact = Decimal(0)
    for g in counted:
        cost, revenue, leakage = (
            plus(cost, g.exact[0]),
            plus(revenue, g.exact[1]),
            plus(leakage, g.exact[2]),
        )
    unmapped: Exact = Decimal(0)
    for m in matches:
        if m.how == "":
            unmapped = plus(unmapped, by_id[m.line_id].subtotal)
    return Result(
        matches=tuple(matches),
        groups=tuple(groups),
        provider_cost=money(cost, ctx.currency),
        revenue=money(revenue, ctx.currency),
        margin=money(plus(revenue, -cost), ctx.currency),
        leakage_amount=money(leakage, ctx.currency),
        unmapped_amount=money(unmapped, ctx.currency),
    )
