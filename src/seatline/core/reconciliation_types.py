# SPDX-License-Identifier: AGPL-3.0-or-later
"""The inputs and outputs of the pure reconciliation (`seatline.core.reconciliation`): statuses,
unmapped reasons, match kinds, flags and the frozen dataclasses the services load and read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

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
