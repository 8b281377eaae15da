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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from seatline.core.money import minor_units, quantize, to_fraction
from seatline.core.periods import days_inclusive

MATCHED = "matched"
UNBILLED = "unbilled_seats"
OVERBILLED = "overbilled_seats"
MISSING = "missing_at_provider"
NO_EXCHANGE_RATE = "no_exchange_rate"
STATUSES: tuple[str, ...] = (MATCHED, UNBILLED, OVERBILLED, MISSING, NO_EXCHANGE_RATE)

UNKNOWN_CUSTOMER = "unknown_customer"
UNKNOWN_PRODUCT = "unknown_product"
UNKNOWN_SUBSCRIPTION = "unknown_subscription"

BY_SUBSCRIPTION_ID = "subscription"
BY_RULE = "rule"
BY_TENANT_PRODUCT = "tenant_product"

PRICE_CHANGED = "price_changed_within_term"
NEGATIVE_MARGIN = "negative_margin"

#: Charge types whose rows cover a whole charge cycle at the locked price (NCE).
FULL_CYCLE_CHARGES = frozenset({"new", "renew", "cyclecharge", "purchase"})
RECONCILED_KINDS = frozenset({"license", "credit"})
CUSTOMER_LINE_TYPES = frozenset({"recurring", "proration", "credit"})


@dataclass(frozen=True)
class ProviderLine:
    id: int
    row: int
    kind: str  # license | usage | one_time | credit
    tenant: str
    provider_subscription_id: str
    part: str  # "ProductId:SkuId"
    charge_type: str
    billable_quantity: Decimal
    subtotal: Decimal
    effective_unit_price: Decimal
    charge_start: dt.date | None
    charge_end: dt.date | None


@dataclass(frozen=True)
class Subscription:
    id: int
    account_id: int
    product_id: int | None
    provider_subscription_id: str
    active_in_window: bool
    term_start: dt.date | None = None  # start of the term in force in the window (price lock)


@dataclass(frozen=True)
class Rule:
    """A saved mapping: match by provider subscription id or by (tenant, part); target one
    subscription, or an account + product, or `ignore` (with a reason)."""

    id: int
    provider_subscription_id: str = ""
    tenant: str = ""
    part: str = ""
    subscription_id: int | None = None
    account_id: int | None = None
    product_id: int | None = None
    ignore: bool = False
    reason: str = ""


@dataclass(frozen=True)
class CustomerLine:
    """A customer invoice line of one of the subscriptions (recurring, proration, credit) on an
    issued document that is neither void nor the credit note of a voided one."""

    id: int
    invoice_id: int
    subscription_id: int
    type: str
    quantity: Decimal
    period_start: dt.date
    period_end: dt.date
    net: Decimal  # amount - discount
    currency: str
    invoice_date: dt.date


@dataclass(frozen=True)
class PreviousPrice:
    """A full-cycle line of an earlier active invoice of the same provider subscription."""

    subscription_id: int
    charge_start: dt.date
    effective_unit_price: Decimal


@dataclass(frozen=True)
class Context:
    window_start: dt.date
    window_end: dt.date
    currency: str
    tenants: Mapping[str, int]  # lower-case tenant id -> account id
    parts: Mapping[str, int]  # lower-case "ProductId:SkuId" -> product id
    subscriptions: Sequence[Subscription]
    rules: Sequence[Rule] = ()
    exchange_rates: Mapping[tuple[str, dt.date], Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class LineMatch:
    line_id: int
    row: int
    how: str  # subscription | rule | tenant_product | "" (unmapped) | ignored
    subscription_ids: tuple[int, ...] = ()
    reason: str = ""  # unmapped: unknown_*; ignored: the rule's reason
    rule_id: int | None = None


@dataclass(frozen=True)
class Group:
    key: str  # the sorted subscription ids, "12,15"
    subscription_ids: tuple[int, ...]
    line_ids: tuple[int, ...]
    customer_line_ids: tuple[int, ...]
    status: str
    provider_seat_days: int
    billed_seat_days: int
    seat_day_variance: int
    provider_cost: Decimal
    revenue: Decimal
    margin: Decimal
    margin_percent: Decimal | None
    leakage_amount: Decimal
    flags: tuple[str, ...]
    price_changed_line_ids: tuple[int, ...] = ()
    exact: tuple[Decimal | Fraction, Decimal | Fraction, Decimal | Fraction] = (
        Decimal(0),
        Decimal(0),
        Decimal(0),
    )
    # (provider cost, revenue, leakage) unrounded: the totals are rounded once from these


@dataclass(frozen=True)
class Result:
    matches: tuple[LineMatch, ...]
    groups: tuple[Group, ...]
    provider_cost: Decimal
    revenue: Decimal
    margin: Decimal
    leakage_amount: Decimal
    unmapped_amount: Decimal  # sum of the subtotals of the unmapped licence lines

    def group_of(self, subscription_id: int) -> Group | None:
        for group in self.groups:
            if subscription_id in group.subscription_ids:
                return group
        return None


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


def _price_changes(
    lines: Sequence[ProviderLine],
    subs: Mapping[int, Subscription],
    sub_ids: Sequence[int],
    previous: Mapping[int, Sequence[PreviousPrice]],
) -> list[int]:
    """Full-cycle lines (not `renew`: a renewal starts a new term) whose effective unit price
    differs from an earlier full-cycle line of the same subscription in the same term."""
    earlier_lines = [item for sub_id in sub_ids for item in previous.get(sub_id, ())]
    if not earlier_lines:
        return []
    changed: list[int] = []
    for line in lines:
        charge = line.charge_type.lower()
        if charge == "renew" or charge not in FULL_CYCLE_CHARGES or line.charge_start is None:
            continue
        for earlier in earlier_lines:
            if earlier.charge_start >= line.charge_start:
                continue
            term = subs[earlier.subscription_id].term_start if earlier.subscription_id in subs else None
            if term is not None and earlier.charge_start < term:
                continue
            if earlier.effective_unit_price != line.effective_unit_price:
                changed.append(line.id)
                break
    return changed


Exact = Decimal | Fraction  # a Decimal while every term is one (fast), else an exact Fraction


def _share(amount: Decimal, inside: int, length: int) -> Exact:
    """`amount x inside / length`, exactly: the Decimal itself for a whole period."""
    return amount if inside == length else to_fraction(amount) * inside / length


def _plus(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a + b  # exact: reconcile() runs in a wide decimal context
    return to_fraction(a) + to_fraction(b)


def _money(value: Exact, currency: str) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)
    return quantize(value, currency)


def _percent(margin: Exact, revenue: Exact) -> Decimal | None:
    """`margin / revenue x 100` rounded HALF_UP (away from zero) to 2 decimals, exactly."""
    if revenue == 0:
        return None
    m_num, m_den = margin.as_integer_ratio()
    r_num, r_den = revenue.as_integer_ratio()
    num = m_num * r_den * 10000
    den = m_den * r_num
    units = (2 * abs(num) + abs(den)) // (2 * abs(den))
    return Decimal(-units if (num < 0) != (den < 0) else units).scaleb(-2)


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
        cost = _plus(cost, _share(line.subtotal, inside, length))
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
        revenue = _plus(revenue, _share(net, inside, length))
    variance = provider_days - billed_days
    if no_rate:
        status = NO_EXCHANGE_RATE
    elif missing:
        status = MISSING
    elif variance == 0:
        status = MATCHED
    else:
        status = UNBILLED if variance > 0 else OVERBILLED
    margin = _plus(revenue, -cost)
    leakage: Exact = (
        to_fraction(cost) * variance / provider_days if variance > 0 and provider_days else Decimal(0)
    )
    changed = _price_changes(lines, subs, key_ids, previous)
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
        provider_cost=_money(cost, ctx.currency),
        revenue=_money(revenue, ctx.currency),
        margin=_money(margin, ctx.currency),
        margin_percent=_percent(margin, revenue),
        leakage_amount=_money(leakage, ctx.currency),
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
            _plus(cost, g.exact[0]),
            _plus(revenue, g.exact[1]),
            _plus(leakage, g.exact[2]),
        )
    unmapped: Exact = Decimal(0)
    for m in matches:
        if m.how == "":
            unmapped = _plus(unmapped, by_id[m.line_id].subtotal)
    return Result(
        matches=tuple(matches),
        groups=tuple(groups),
        provider_cost=_money(cost, ctx.currency),
        revenue=_money(revenue, ctx.currency),
        margin=_money(_plus(revenue, -cost), ctx.currency),
        leakage_amount=_money(leakage, ctx.currency),
        unmapped_amount=_money(unmapped, ctx.currency),
    )
