# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pax8's resources as frozen dataclasses (Company, Subscription, Invoice, InvoiceItem).

Amounts are Decimal exactly as sent (a JSON number or a numeric string), dates are calendar dates
as written (`2026-03-01` or the date of `2026-03-01T08:30:00Z`), and `raw` keeps the object as
Pax8 sent it. A value that cannot be read raises `ProviderBadResponseError` naming the field: an
amount is never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from seatline.connectors.errors import ProviderBadResponseError


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _amount(data: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ProviderBadResponseError(f"Pax8 {where}: {key} is not a number ({value!r})")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ProviderBadResponseError(f"Pax8 {where}: {key} is not a number ({value!r})") from None
    if not number.is_finite():
        raise ProviderBadResponseError(f"Pax8 {where}: {key} is not a number ({value!r})")
    return number


def _zero(data: Mapping[str, Any], key: str, where: str) -> Decimal:
    value = _amount(data, key, where)
    return value if value is not None else Decimal(0)


def _date(data: Mapping[str, Any], key: str, where: str) -> dt.date | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ProviderBadResponseError(f"Pax8 {where}: {key} is not a date ({value!r})") from None


def _id(data: Mapping[str, Any], what: str) -> str:
    ident = _text(data, "id")
    if not ident:
        raise ProviderBadResponseError(f"Pax8 sent a {what} without an id")
    return ident


@dataclass(frozen=True)
class Pax8Company:
    id: str
    name: str
    status: str  # Active | Inactive | Deleted
    external_id: str = ""
    country: str = ""
    bill_on_behalf_of: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Pax8Company:
        address = data.get("address")
        return cls(
            id=_id(data, "company"),
            name=_text(data, "name"),
            status=_text(data, "status"),
            external_id=_text(data, "externalId"),
            country=_text(address, "country") if isinstance(address, Mapping) else "",
            bill_on_behalf_of=data.get("billOnBehalfOfEnabled") is True,
            raw=dict(data),
        )


@dataclass(frozen=True)
class Pax8Subscription:
    """`vendor_subscription_id` is the vendor's id: Microsoft's subscription id for Microsoft products."""

    id: str
    company_id: str
    product_id: str
    product_name: str
    vendor_subscription_id: str
    vendor_sku_id: str
    quantity: Decimal
    status: str
    billing_term: str
    price: Decimal | None
    partner_cost: Decimal | None
    currency: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Pax8Subscription:
        where = f"subscription {_text(data, 'id')}"
        return cls(
            id=_id(data, "subscription"),
            company_id=_text(data, "companyId"),
            product_id=_text(data, "productId"),
            product_name=_text(data, "productName"),
            vendor_subscription_id=_text(data, "vendorSubscriptionId"),
            vendor_sku_id=_text(data, "vendorSkuId"),
            quantity=_zero(data, "quantity", where),
            status=_text(data, "status"),
            billing_term=_text(data, "billingTerm"),
            price=_amount(data, "price", where),
            partner_cost=_amount(data, "partnerCost", where),
            currency=_text(data, "currencyCode"),
            start_date=_date(data, "startDate", where),
            end_date=_date(data, "endDate", where),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Pax8Invoice:
    """A Pax8 invoice to the partner. `status`: Unpaid, Paid, Void, Carried, Nothing Due, Credited."""

    id: str
    invoice_date: dt.date | None
    due_date: dt.date | None
    total: Decimal
    balance: Decimal
    carried_balance: Decimal
    currency: str
    status: str
    partner_name: str = ""
    company_id: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Pax8Invoice:
        where = f"invoice {_text(data, 'id')}"
        total = _amount(data, "total", where)
        if total is None:
            raise ProviderBadResponseError(f"Pax8 {where} has no total")
        return cls(
            id=_id(data, "invoice"),
            invoice_date=_date(data, "invoiceDate", where),
            due_date=_date(data, "dueDate", where),
            total=total,
            balance=_zero(data, "balance", where),
            carried_balance=_zero(data, "carriedBalance", where),
            currency=_text(data, "currencyCode").upper(),
            status=_text(data, "status"),
            partner_name=_text(data, "partnerName"),
            company_id=_text(data, "companyId"),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Pax8InvoiceItem:
    """One invoice item. `subscription_id` is Pax8's id (map it to the vendor's through the
    subscription's `vendorSubscriptionId`); `cost`/`cost_total` are the partner's, `price`/`sub_total`
    the customer's (Pax8 bills on behalf), `amount_due` what this item adds to the invoice."""

    id: str
    type: str  # subscription, prorate, one-time, service-charge, rebate, *-credit
    company_id: str
    company_name: str
    subscription_id: str
    product_id: str
    product_name: str
    sku: str
    description: str
    term: str
    charge_type: str  # flat | per
    quantity: Decimal
    unit_of_measure: str
    start_period: dt.date | None
    end_period: dt.date | None
    price: Decimal | None
    sub_total: Decimal | None
    cost: Decimal | None
    cost_total: Decimal | None
    billing_fee: Decimal
    sales_tax: Decimal
    total: Decimal | None
    amount_due: Decimal | None
    currency: str
    billed_by_pax8: bool = False
    vendor_name: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Pax8InvoiceItem:
        where = f"invoice item {_text(data, 'id')}"
        return cls(
            id=_text(data, "id"),
            type=_text(data, "type"),
            company_id=_text(data, "companyId"),
            company_name=_text(data, "companyName"),
            subscription_id=_text(data, "subscriptionId"),
            product_id=_text(data, "productId"),
            product_name=_text(data, "productName"),
            sku=_text(data, "sku"),
            description=_text(data, "description"),
            term=_text(data, "term"),
            charge_type=_text(data, "chargeType"),
            quantity=_zero(data, "quantity", where),
            unit_of_measure=_text(data, "unitOfMeasure"),
            start_period=_date(data, "startPeriod", where),
            end_period=_date(data, "endPeriod", where),
            price=_amount(data, "price", where),
            sub_total=_amount(data, "subTotal", where),
            cost=_amount(data, "cost", where),
            cost_total=_amount(data, "costTotal", where),
            billing_fee=_zero(data, "billingFee", where),
            sales_tax=_zero(data, "salesTax", where),
            total=_amount(data, "total", where),
            amount_due=_amount(data, "amountDue", where),
            currency=_text(data, "currencyCode").upper(),
            billed_by_pax8=data.get("billedByPax8") is True,
            vendor_name=_text(data, "vendorName"),
            raw=dict(data),
        )

    @property
    def partner_total(self) -> Decimal:
        """What the partner owes for this item: `amountDue`, else cost total + billing fee + sales tax."""
        if self.amount_due is not None:
            return self.amount_due
        return (self.cost_total or Decimal(0)) + self.billing_fee + self.sales_tax
