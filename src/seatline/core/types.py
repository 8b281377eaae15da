# SPDX-License-Identifier: AGPL-3.0-or-later
"""The billing core's vocabulary: frozen dataclasses in, frozen dataclasses out.

No Django here. Services load ORM rows, turn them into these snapshots, call the core's
functions with "today" and save what comes back. Amounts are `Decimal` (inputs, outputs) and
`fractions.Fraction` inside the computation; every output amount is already rounded once per
line to the currency's minor units (docs/billing.md section 4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

FREQUENCY_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "annual": 12, "triennial": 36}
UNIT_MONTHS: dict[str, int] = FREQUENCY_MONTHS
PAYMENT_TERMS_DAYS: dict[str, int] = {
    "due_on_receipt": 0,
    "net15": 15,
    "net30": 30,
    "net45": 45,
    "net60": 60,
    "net90": 90,
}
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Line types of docs/billing.md and docs/scenarios.md.
RECURRING = "recurring"
PRORATION = "proration"
CREDIT = "credit"
NRI = "nri"
USAGE = "usage"
MINIMUM_COMMITMENT = "minimum_commitment"

# Document kinds.
REGULAR = "regular"
CHANGE_LOG = "change_log"
MANUAL = "manual"
CREDIT_NOTE = "credit_note"

# LCL kinds (docs/billing.md 6).
LCL_KINDS: tuple[str, ...] = ("create", "increase", "decrease", "deactivate", "activate", "price")


class CoreError(Exception):
    """The core refuses to produce a document (a stable `code`, e.g. earlier_cycle_not_invoiced)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvariantViolation(AssertionError):
    """A billing invariant does not hold: the core raises instead of producing a wrong invoice."""


@dataclass(frozen=True)
class BillingSettings:
    """Global configuration that decides amounts and dates."""

    generate_refunds: bool = False
    invoice_date_basis: str = "cycle"  # "cycle" | "generation"
    change_log_weekday: int = 4  # Monday = 0 ... Friday = 4 (default Friday)


@dataclass(frozen=True)
class ContractTerms:
    id: int
    type: str  # "recurring" | "non_recurring"
    frequency: str | None  # monthly | quarterly | annual | triennial (recurring only)
    policy: str  # "advance" | "arrears"
    prorate_unit: str  # "days" | "months"
    start: dt.date
    end: dt.date | None
    auto_renew: bool
    currency: str
    payment_terms: str = "net30"
    invoice_offset_days: int = 1
    process_refunds: str = "use_global"  # use_global | yes | no
    change_log_invoices: str = "off"  # off | weekly | monthly
    discount_percent: Decimal = Decimal("0")
    minimum_commitment: Decimal = Decimal("0")
    renewal_term_months: int | None = None  # auto-renew extends `end` by this (default: P)

    @property
    def period_months(self) -> int:
        if self.frequency is None:
            raise ValueError("a non-recurring contract has no billing cycles")
        return FREQUENCY_MONTHS[self.frequency]


@dataclass(frozen=True)
class Cycle:
    """Cycle `index` of a contract: [start, end]; `end` is truncated by the contract end date."""

    index: int
    start: dt.date
    end: dt.date
    full_end: dt.date  # the untruncated end (add_months(S, (k+1)P) - 1 day)

    @property
    def truncated(self) -> bool:
        return self.end != self.full_end


@dataclass(frozen=True)
class Change:
    """One license change log (LCL): the quantity delta and the price in force after it."""

    id: int
    effective: dt.date
    delta: int
    price: Decimal  # unit selling price per sales unit, after the change
    kind: str  # create | increase | decrease | deactivate | activate | price
    refund: bool = False  # for reductions: a credit applies (decided when the change was made)


@dataclass(frozen=True)
class SubscriptionSnapshot:
    id: int
    kind: str  # license | service | usage
    description: str
    unit_months: int  # sales unit: 1, 3, 12 or 36
    start: dt.date
    changes: tuple[Change, ...]  # every LCL, ordered by (effective, id)
    taxable: bool = True
    tax_category: str | None = None


@dataclass(frozen=True)
class BilledLine:
    """A line of the billed record: what was billed for which days. The record holds the
    subscription lines of documents that are not void or credit notes, and the change lines
    already computed but not on a document yet (docs/billing.md 6)."""

    subscription_id: int
    type: str  # recurring | proration | credit
    period_start: dt.date
    period_end: dt.date
    quantity: int  # signed (credits negative)
    unit_price: Decimal  # per sales unit
    unit_months: int


@dataclass(frozen=True)
class NonRecurringCharge:
    id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    date: dt.date
    discount_percent: Decimal = Decimal("0")
    taxable: bool = True
    tax_category: str | None = None


@dataclass(frozen=True)
class UsageCharge:
    """A confirmed, uninvoiced usage record (cost and the markup in force at import)."""

    id: int
    subscription_id: int
    description: str
    cost: Decimal
    markup_percent: Decimal
    period_start: dt.date
    period_end: dt.date
    taxable: bool = True
    tax_category: str | None = None


@dataclass(frozen=True)
class TaxRate:
    name: str
    percent: Decimal


@dataclass(frozen=True)
class TaxContext:
    """The rates of the account's tax rate group (empty: no tax), exemption, exempt categories."""

    rates: tuple[TaxRate, ...] = ()
    exempt: bool = False
    exempt_categories: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProposedLine:
    type: str
    description: str
    quantity: Decimal  # whole number for licences (signed delta for change lines)
    unit_price: Decimal  # sales-unit price, 4 decimals
    amount: Decimal  # rounded once, before discount
    discount: Decimal  # rounded contract (or NRI) discount on this line
    taxable: bool
    subscription_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    nri_id: int | None = None
    usage_id: int | None = None
    tax_category: str | None = None
    unit_months: int | None = None
    change_line_id: int | None = None  # the stored change line this line puts on a document

    @property
    def net(self) -> Decimal:
        return self.amount - self.discount


@dataclass(frozen=True)
class PendingLine:
    """A change line fixed when its change was recorded (docs/billing.md 6) and not on a document
    yet: it goes, unchanged, on the contract's next change-log or regular invoice."""

    id: int  # the stored change line
    effective: dt.date  # effective date of the change behind it (earlier_cycle_not_invoiced)
    line: ProposedLine


@dataclass(frozen=True)
class ProposedTax:
    name: str
    percent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Proposal:
    """A document the core proposes. `lines` empty means: create nothing."""

    kind: str  # regular | change_log | manual
    currency: str
    generated_on: dt.date
    invoice_date: dt.date
    due_date: dt.date
    cycle: Cycle | None
    lines: tuple[ProposedLine, ...]
    taxes: tuple[ProposedTax, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def subtotal(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal("0"))

    @property
    def tax(self) -> Decimal:
        return sum((tax.amount for tax in self.taxes), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def empty(self) -> bool:
        return not self.lines
