# SPDX-License-Identifier: AGPL-3.0-or-later
"""ORM rows -> the billing core's frozen dataclasses (reads only, nothing is written)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pycountry

from seatline import core
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.core.types import (
    BilledLine,
    BillingSettings,
    Change,
    NonRecurringCharge,
    SubscriptionSnapshot,
    TaxContext,
    TaxRate,
    UsageCharge,
)
from seatline.customers.models import Account
from seatline.invoicing.models import InvoiceKind, InvoiceLine, InvoiceStatus
from seatline.subscriptions.models import LicenseChangeLog, Subscription
from seatline.subscriptions.selectors import configuration, unbilled_nris, uninvoiced_usage
from seatline.taxes.models import CountryAlias, TaxCategory, TaxRateGroup

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


def billing_settings() -> BillingSettings:
    config = configuration()
    return BillingSettings(
        generate_refunds=config.generate_refunds,
        invoice_date_basis=config.invoice_date_basis,
        cli_weekday=int(config.cli_weekday),
    )


def _category(subscription: Subscription) -> str | None:
    product = subscription.product
    if product is None or product.tax_category is None:
        return None
    return product.tax_category.name


def subscription_snapshots(contract: BillingContract) -> tuple[SubscriptionSnapshot, ...]:
    """Every subscription of the contract with all its change logs, ordered by (effective, id)."""
    subscriptions = list(
        Subscription.objects.filter(contract=contract).select_related("product__tax_category").order_by("id")
    )
    changes: dict[int, list[Change]] = {sub.pk: [] for sub in subscriptions}
    for lcl in LicenseChangeLog.objects.filter(subscription__contract=contract).order_by(
        "effective_date", "id"
    ):
        changes[lcl.subscription_id].append(
            Change(
                id=lcl.pk,
                effective=lcl.effective_date,
                delta=lcl.delta,
                price=lcl.price,
                kind=lcl.kind,
                refund=lcl.refund,
            )
        )
    return tuple(
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
    )


def billed_lines(contract: BillingContract) -> tuple[BilledLine, ...]:
    """Subscription lines already billed: recurring / proration / credit lines of the contract's
    documents, except void ones and credit notes (a credit note and the invoice it voids cancel
    out, so the credited days count as not billed)."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__contract=contract, type__in=BILLED_TYPES, subscription__isnull=False
        )
        .exclude(invoice__status=InvoiceStatus.VOID)
        .exclude(invoice__kind=InvoiceKind.CREDIT_NOTE)
        .order_by("invoice_id", "position", "id")
    )
    return tuple(
        BilledLine(
            subscription_id=line.subscription_id,
            type=line.type,
            period_start=line.period_start,
            period_end=line.period_end,
            quantity=int(line.quantity),
            unit_price=line.unit_price,
            unit_months=line.unit_months or 1,
        )
        for line in rows
    )


def invoiced_starts(contract: BillingContract) -> frozenset[dt.date]:
    return frozenset(
        BillingSchedule.objects.filter(contract=contract, status=BillingSchedule.Status.INVOICED).values_list(
            "cycle_start", flat=True
        )
    )


def nri_charges(contract: BillingContract) -> tuple[NonRecurringCharge, ...]:
    return tuple(
        NonRecurringCharge(
            id=nri.pk,
            description=nri.description,
            quantity=nri.quantity,
            unit_price=nri.unit_price,
            date=nri.date,
            discount_percent=nri.discount_percent,
            taxable=nri.taxable,
            tax_category=nri.product.tax_category.name if nri.product and nri.product.tax_category else None,
        )
        for nri in unbilled_nris(contract_id=contract.pk).select_related("product__tax_category")
    )


def usage_charges(contract: BillingContract) -> tuple[UsageCharge, ...]:
    return tuple(
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
        for usage in uninvoiced_usage(contract_id=contract.pk).select_related(
            "subscription__product__tax_category"
        )
    )


def resolve_country(value: str) -> str | None:
    """ISO alpha-2 code of `value` (alpha-2, alpha-3, English or official name, or an alias)."""
    text = (value or "").strip()
    if not text:
        return None
    lowered = text.casefold()
    for country in pycountry.countries:
        names = (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "official_name", ""),
            getattr(country, "common_name", ""),
        )
        if any(name and name.casefold() == lowered for name in names):
            return country.alpha_2
    alias = CountryAlias.objects.filter(alias__iexact=text).values_list("country", flat=True).first()
    return alias.upper() if alias else None


def tax_context(account: Account) -> tuple[TaxContext, tuple[str, ...]]:
    """The account's tax context (rates of its country/region group) and any warnings."""
    exempt_categories = frozenset(TaxCategory.objects.filter(exempt=True).values_list("name", flat=True))
    if account.tax_exempt:
        return TaxContext(exempt=True, exempt_categories=exempt_categories), ()
    country = resolve_country(account.country)
    if country is None:
        warning = (
            f"account {account.name!r}: country {account.country!r} matches no country; no tax applied"
            if account.country
            else f"account {account.name!r} has no country; no tax applied"
        )
        return TaxContext(exempt_categories=exempt_categories), (warning,)
    groups = TaxRateGroup.objects.filter(country=country)
    group = None
    if account.region:
        group = groups.filter(region__iexact=account.region.strip()).first()
    if group is None:
        group = groups.filter(region="").first()
    if group is None:
        return TaxContext(exempt_categories=exempt_categories), ()
    rates = tuple(
        TaxRate(name=rate.name, percent=rate.percent) for rate in group.rates.order_by("position", "id")
    )
    return TaxContext(rates=rates, exempt_categories=exempt_categories), ()


def contract_state(contract: BillingContract) -> ContractState:
    taxes, warnings = tax_context(contract.account)
    return ContractState(
        terms=contract.terms(),
        subscriptions=subscription_snapshots(contract),
        billed=billed_lines(contract),
        invoiced_starts=invoiced_starts(contract),
        nris=nri_charges(contract),
        usage=usage_charges(contract),
        taxes=taxes,
        settings=billing_settings(),
        warnings=warnings,
    )
