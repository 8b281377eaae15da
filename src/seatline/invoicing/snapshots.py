"""ORM rows -> the billing core's frozen dataclasses (reads only, nothing is written).

`contract_states(contracts)` loads many contracts at once, one query per kind of row (a contract
run chunk: `prefetched(ids)` locks the chunk's contracts, loads them all and hands each state to
the first `contract_state` call of its contract); `contract_state(contract)` is the same for one.

The billed record (`billed`) is the subscription lines of the documents that are not void or
credit notes, in document order, followed by the pending change lines (`ChangeLine` rows no
invoice line points to) in the order they were computed; `pending` are those change lines as
the core's `PendingLine`, for the next document to carry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from seatline import core
from seatline.common.choices import UNIT_MONTHS
from seatline.configuration.models import Configuration
from seatline.configuration.selectors import configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.core.money import quantize, unit_price4
from seatline.core.types import (
    BilledLine,
    BillingSettings,
    Change,
    NonRecurringCharge,
    PendingLine,
    ProposedLine,
    SubscriptionSnapshot,
    TaxContext,
    TaxRate,
    UsageCharge,
)
from seatline.customers.models import Account
from seatline.invoicing.models import ChangeLine, InvoiceKind, InvoiceLine, InvoiceStatus
from seatline.subscriptions.lock_objects import lock_contract
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, Subscription, UsageRecord
from seatline.taxes.countries import resolve_country
from seatline.taxes.models import TaxCategory, TaxRateGroup

BILLED_TYPES = (InvoiceLine.Type.RECURRING, InvoiceLine.Type.PRORATION, InvoiceLine.Type.CREDIT)


@dataclass(frozen=True)
class ContractState:
    """Everything the core needs to propose a document for one contract."""

    terms: core.ContractTerms
    subscriptions: tuple[SubscriptionSnapshot, ...]
    billed: tuple[BilledLine, ...]
    invoiced_starts: frozenset[dt.date]
    nris: tuple[NonRecurringCharge, ...]
    usage: tuple[UsageCharge, ...]
    taxes: TaxContext
    settings: BillingSettings
    warnings: tuple[str, ...]
    configuration: Configuration | None = None
    pending: tuple[PendingLine, ...] = ()


def billing_settings(config: Configuration | None = None) -> BillingSettings:
    config = config or configuration()
    return BillingSettings(
        generate_refunds=config.generate_refunds,
        invoice_date_basis=config.invoice_date_basis,
        change_log_weekday=int(config.change_log_weekday),
    )


def _category(subscription: Subscription) -> str | None:
    product = subscription.product
    if product is None or product.tax_category is None:
        return None
    return product.tax_category.name


def _snapshots(subscriptions: Sequence[Subscription], **filters: Any) -> list[SubscriptionSnapshot]:
    """Snapshots of `subscriptions` with all their change logs (those `filters` select),
    ordered by (effective, id)."""
    changes: dict[int, list[Change]] = {sub.pk: [] for sub in subscriptions}
    rows = (
        LicenseChangeLog.objects.filter(**filters)
        .order_by("effective_date", "id")
        .values_list("id", "subscription_id", "effective_date", "delta", "price", "kind", "refund")
    )
    for pk, subscription_id, effective, delta, price, kind, refund in rows:
        changes[subscription_id].append(
            Change(id=pk, effective=effective, delta=delta, price=price, kind=kind, refund=refund)
        )
    return [
        SubscriptionSnapshot(
            id=sub.pk,
            kind=sub.kind,
            description=sub.name,
            unit_months=sub.unit_months,
            start=sub.start_date,
            changes=tuple(changes[sub.pk]),
            taxable=sub.taxable,
            tax_category=_category(sub),
        )
        for sub in subscriptions
    ]


def _subscriptions_of(
    ids: Sequence[int], active: dict[int, dict[int, dt.date]] | None = None
) -> dict[int, tuple[SubscriptionSnapshot, ...]]:
    """Per contract: every subscription with all its change logs, ordered by (effective, id).
    Read as plain rows (a chunk reads thousands: no model instances). `active`: filled with the
    contracts' active change logs (contract id -> change log id -> effective date)."""
    rows = list(
        Subscription.objects.filter(contract_id__in=ids)
        .order_by("id")
        .values_list(
            "id",
            "contract_id",
            "kind",
            "name",
            "sales_unit",
            "start_date",
            "taxable",
            "product__tax_category__name",
        )
    )
    changes: dict[int, list[Change]] = {row[0]: [] for row in rows}
    contract_of = {row[0]: row[1] for row in rows}
    for pk, subscription_id, effective, delta, price, kind, refund, status in (
        LicenseChangeLog.objects.filter(subscription__contract_id__in=ids)
        .order_by("effective_date", "id")
        .values_list("id", "subscription_id", "effective_date", "delta", "price", "kind", "refund", "status")
    ):
        if active is not None and status == LicenseChangeLog.Status.ACTIVE:
            active.setdefault(contract_of[subscription_id], {})[pk] = effective
        changes[subscription_id].append(
            Change(id=pk, effective=effective, delta=delta, price=price, kind=kind, refund=refund)
        )
    out: dict[int, list[SubscriptionSnapshot]] = {pk: [] for pk in ids}
    for pk, contract_id, kind, name, sales_unit, start, taxable, category in rows:
        out[contract_id].append(
            SubscriptionSnapshot(
                id=pk,
                kind=kind,
                description=name,
                unit_months=UNIT_MONTHS[sales_unit],
                start=start,
                changes=tuple(changes[pk]),
                taxable=taxable,
                tax_category=category,
            )
        )
    return {pk: tuple(snapshots) for pk, snapshots in out.items()}


def subscription_snapshots(contract: BillingContract) -> tuple[SubscriptionSnapshot, ...]:
    """Every subscription of the contract with all its change logs, ordered by (effective, id)."""
    return _subscriptions_of([contract.pk])[contract.pk]


def subscription_snapshot(subscription: Subscription) -> SubscriptionSnapshot:
    """One subscription with all its change logs (the ones of the current transaction included)."""
    return _snapshots([subscription], subscription_id=subscription.pk)[0]


_DOCUMENT_LINE_FIELDS = (
    "invoice__contract_id",
    "subscription_id",
    "type",
    "period_start",
    "period_end",
    "quantity",
    "unit_price",
    "unit_months",
)
_CHANGE_LINE_FIELDS = (
    "id",
    "contract_id",
    "subscription_id",
    "change__effective_date",
    "type",
    "description",
    "quantity",
    "unit_price",
    "unit_months",
    "period_start",
    "period_end",
    "amount",
    "discount",
    "currency",
    "taxable",
    "tax_category",
)


def _document_lines(**filters: Any) -> list[tuple[int, BilledLine]]:
    """(contract id, line) of the subscription lines on documents that are not void or credit
    notes (a credit note and the invoice it voids cancel out, so the credited days count as not
    billed), in document order."""
    rows = (
        InvoiceLine.objects.filter(type__in=BILLED_TYPES, subscription__isnull=False, **filters)
        .exclude(invoice__status=InvoiceStatus.VOID)
        .exclude(invoice__kind=InvoiceKind.CREDIT_NOTE)
        .order_by("invoice_id", "position", "id")
        .values_list(*_DOCUMENT_LINE_FIELDS)
    )
    return [
        (
            contract_id,
            BilledLine(
                subscription_id=subscription_id,
                type=type_,
                period_start=start,
                period_end=end,
                quantity=int(quantity),
                unit_price=unit_price,
                unit_months=unit_months or 1,
            ),
        )
        for contract_id, subscription_id, type_, start, end, quantity, unit_price, unit_months in rows
    ]


def _pending_lines(**filters: Any) -> list[tuple[int, PendingLine]]:
    """(contract id, line) of the change lines no document carries yet, in the order computed."""
    rows = (
        ChangeLine.objects.filter(invoice_line__isnull=True, **filters)
        .order_by("id")
        .values_list(*_CHANGE_LINE_FIELDS)
    )
    out = []
    for (
        pk,
        contract_id,
        subscription_id,
        effective,
        type_,
        description,
        quantity,
        unit_price,
        unit_months,
        start,
        end,
        amount,
        discount,
        currency,
        taxable,
        tax_category,
    ) in rows:
        line = ProposedLine(
            type=type_,
            description=description,
            quantity=Decimal(quantity),
            unit_price=unit_price4(unit_price),
            amount=quantize(amount, currency),
            discount=quantize(discount, currency),
            taxable=taxable,
            subscription_id=subscription_id,
            period_start=start,
            period_end=end,
            tax_category=tax_category or None,
            unit_months=unit_months,
        )
        out.append((contract_id, PendingLine(id=pk, effective=effective, line=line)))
    return out


def _pending_of(ids: Sequence[int]) -> dict[int, tuple[PendingLine, ...]]:
    out: dict[int, list[PendingLine]] = {pk: [] for pk in ids}
    for contract_id, pending in _pending_lines(contract_id__in=ids):
        out[contract_id].append(pending)
    return {pk: tuple(lines) for pk, lines in out.items()}


def _billed_of(
    ids: Sequence[int], pending: dict[int, tuple[PendingLine, ...]] | None = None
) -> dict[int, tuple[BilledLine, ...]]:
    """Per contract: the billed record (module doc). `pending`: the contracts' pending change
    lines when the caller has loaded them already."""
    if pending is None:
        pending = _pending_of(ids)
    out: dict[int, list[BilledLine]] = {pk: [] for pk in ids}
    for contract_id, line in _document_lines(invoice__contract_id__in=ids):
        out[contract_id].append(line)
    for pk in ids:
        out[pk].extend(core.as_billed(item.line for item in pending[pk]))
    return {pk: tuple(lines) for pk, lines in out.items()}


def billed_lines(contract: BillingContract) -> tuple[BilledLine, ...]:
    """The contract's billed record (module doc)."""
    return _billed_of([contract.pk])[contract.pk]


def subscription_record(subscription: Subscription) -> tuple[BilledLine, ...]:
    """One subscription's billed record (module doc)."""
    documents = [line for _, line in _document_lines(subscription_id=subscription.pk)]
    pending = [item.line for _, item in _pending_lines(subscription_id=subscription.pk)]
    return (*documents, *core.as_billed(pending))


def _invoiced_of(ids: Sequence[int]) -> dict[int, frozenset[dt.date]]:
    out: dict[int, set[dt.date]] = {pk: set() for pk in ids}
    for contract_id, start in BillingSchedule.objects.filter(
        contract_id__in=ids, status=BillingSchedule.Status.INVOICED
    ).values_list("contract_id", "cycle_start"):
        out[contract_id].add(start)
    return {pk: frozenset(starts) for pk, starts in out.items()}


def invoiced_starts(contract: BillingContract) -> frozenset[dt.date]:
    return _invoiced_of([contract.pk])[contract.pk]


def _nris_of(ids: Sequence[int]) -> dict[int, tuple[NonRecurringCharge, ...]]:
    out: dict[int, list[NonRecurringCharge]] = {pk: [] for pk in ids}
    for nri in (
        NonRecurringItem.objects.filter(contract_id__in=ids, status=NonRecurringItem.Status.UNBILLED)
        .select_related("product__tax_category")
        .order_by("date", "id")
    ):
        out[nri.contract_id].append(
            NonRecurringCharge(
                id=nri.pk,
                description=nri.description,
                quantity=nri.quantity,
                unit_price=nri.unit_price,
                date=nri.date,
                discount_percent=nri.discount_percent,
                taxable=nri.taxable,
                tax_category=nri.product.tax_category.name
                if nri.product and nri.product.tax_category
                else None,
            )
        )
    return {pk: tuple(charges) for pk, charges in out.items()}


def nri_charges(contract: BillingContract) -> tuple[NonRecurringCharge, ...]:
    return _nris_of([contract.pk])[contract.pk]


def _usage_of(ids: Sequence[int]) -> dict[int, tuple[UsageCharge, ...]]:
    out: dict[int, list[UsageCharge]] = {pk: [] for pk in ids}
    for usage in (
        UsageRecord.objects.filter(subscription__contract_id__in=ids, confirmed=True, invoiced=False)
        .select_related("subscription__product__tax_category")
        .order_by("period_start", "id")
    ):
        out[usage.subscription.contract_id].append(
            UsageCharge(
                id=usage.pk,
                subscription_id=usage.subscription_id,
                description=usage.description or usage.subscription.name,
                cost=usage.cost,
                markup_percent=usage.markup_percent,
                period_start=usage.period_start,
                period_end=usage.period_end,
                taxable=usage.subscription.taxable,
                tax_category=_category(usage.subscription),
            )
        )
    return {pk: tuple(charges) for pk, charges in out.items()}


def usage_charges(contract: BillingContract) -> tuple[UsageCharge, ...]:
    return _usage_of([contract.pk])[contract.pk]


class _TaxLookup:
    """Tax contexts of many accounts: the exempt categories, countries and rate groups are read
    once per lookup (one contract run chunk), not once per account."""

    def __init__(self) -> None:
        self._exempt: frozenset[str] | None = None
        self._countries: dict[str, str | None] = {}
        self._rates: dict[tuple[str, str], tuple[TaxRate, ...] | None] = {}

    def exempt_categories(self) -> frozenset[str]:
        if self._exempt is None:
            self._exempt = frozenset(TaxCategory.objects.filter(exempt=True).values_list("name", flat=True))
        return self._exempt

    def country(self, value: str) -> str | None:
        if value not in self._countries:
            self._countries[value] = resolve_country(value)
        return self._countries[value]

    def rates(self, country: str, region: str) -> tuple[TaxRate, ...] | None:
        key = (country, region.strip().casefold())
        if key not in self._rates:
            groups = TaxRateGroup.objects.filter(country=country)
            group = None
            if region:
                group = groups.filter(region__iexact=region.strip()).first()
            if group is None:
                group = groups.filter(region="").first()
            self._rates[key] = (
                None
                if group is None
                else tuple(
                    TaxRate(name=rate.name, percent=rate.percent)
                    for rate in group.rates.order_by("position", "id")
                )
            )
        return self._rates[key]

    def context(self, account: Account) -> tuple[TaxContext, tuple[str, ...]]:
        """The account's tax context (rates of its country/region group) and any warnings."""
        exempt_categories = self.exempt_categories()
        if account.tax_exempt:
            return TaxContext(exempt=True, exempt_categories=exempt_categories), ()
        country = self.country(account.country)
        if country is None:
            warning = (
                f"account {account.name!r}: country {account.country!r} matches no country; no tax applied"
                if account.country
                else f"account {account.name!r} has no country; no tax applied"
            )
            return TaxContext(exempt_categories=exempt_categories), (warning,)
        rates = self.rates(country, account.region or "")
        if rates is None:
            return TaxContext(exempt_categories=exempt_categories), ()
        return TaxContext(rates=rates, exempt_categories=exempt_categories), ()


def tax_context(account: Account) -> tuple[TaxContext, tuple[str, ...]]:
    """The account's tax context (rates of its country/region group) and any warnings."""
    return _TaxLookup().context(account)


def contract_states(
    contracts: Sequence[BillingContract], *, active_changes: dict[int, dict[int, dt.date]] | None = None
) -> dict[int, ContractState]:
    """The states of many contracts, one query per kind of row (their accounts included).
    `active_changes`: filled with their active change logs (`_subscriptions_of`)."""
    ids = [contract.pk for contract in contracts]
    if not ids:
        return {}
    config = configuration()
    settings = billing_settings(config)
    subscriptions = _subscriptions_of(ids, active_changes)
    pending = _pending_of(ids)
    billed = _billed_of(ids, pending)
    invoiced = _invoiced_of(ids)
    nris = _nris_of(ids)
    usage = _usage_of(ids)
    taxes = _TaxLookup()
    states = {}
    for contract in contracts:
        tax, warnings = taxes.context(contract.account)
        states[contract.pk] = ContractState(
            terms=contract.terms(),
            subscriptions=subscriptions[contract.pk],
            billed=billed[contract.pk],
            invoiced_starts=invoiced[contract.pk],
            nris=nris[contract.pk],
            usage=usage[contract.pk],
            taxes=tax,
            settings=settings,
            warnings=warnings,
            configuration=config,
            pending=pending[contract.pk],
        )
    return states


@dataclass
class _Prefetch:
    contracts: dict[int, BillingContract]
    states: dict[int, ContractState]


_prefetched: ContextVar[_Prefetch | None] = ContextVar("seatline_prefetched_states", default=None)


@contextmanager
def prefetched(contract_ids: Sequence[int]) -> Iterator[dict[int, ContractState]]:
    """Lock the contracts `contract_ids` (id order, one statement) and load their states in a
    few queries. Inside the block, `locked_contract` hands out those locked rows (with their
    accounts) and the first `contract_state` of each contract takes its loaded state (later
    calls, e.g. for a second due cycle, read the database again). Call inside the transaction
    that bills them: the locks keep the loaded state current until it ends."""
    contracts = list(
        BillingContract.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=list(contract_ids))
        .order_by("pk")
    )
    states = contract_states(contracts)
    token = _prefetched.set(_Prefetch({c.pk: c for c in contracts}, states))
    try:
        yield states
    finally:
        _prefetched.reset(token)


def locked_contract(contract_id: int) -> BillingContract:
    """The contract row locked for this transaction: the one `prefetched` locked (once), else
    `lock_contract`."""
    pending = _prefetched.get()
    if pending is not None:
        contract = pending.contracts.pop(contract_id, None)
        if contract is not None:
            return contract
    return lock_contract(contract_id)


def invoiced_starts_for(contract: BillingContract) -> frozenset[dt.date]:
    """The contract's invoiced cycle starts: from its `prefetched` state while that is unused,
    else from the database."""
    pending = _prefetched.get()
    state = pending.states.get(contract.pk) if pending is not None else None
    if state is not None and state.terms == contract.terms():
        return state.invoiced_starts
    return invoiced_starts(contract)


def contract_state(contract: BillingContract) -> ContractState:
    pending = _prefetched.get()
    if pending is not None:
        state = pending.states.pop(contract.pk, None)
        if state is not None and state.terms == contract.terms():
            return state
    return contract_states([contract])[contract.pk]
