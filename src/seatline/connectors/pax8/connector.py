# SPDX-License-Identifier: AGPL-3.0-or-later
"""`Pax8Connector`: the Pax8 partner API (companies, subscriptions, invoices) as a provider connector.

Typed reads: `companies()`, `company(id)`, `subscriptions(company_id=...)`, `subscription(id)`,
`invoices(...)`, `invoice(id)`, `invoice_items(id)`. The `ProviderConnector` protocol is served
where Pax8 has the data (customers = companies, subscriptions, invoices and their lines with the
Microsoft subscription id from `vendorSubscriptionId`); ordering and changing subscriptions
through Pax8 is not built yet and raises `ProviderError` (`capabilities` say so).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NoReturn

import httpx

from seatline.connectors.base import (
    AgreementAcceptance,
    ConnectorCapabilities,
    CustomerRequest,
    NextTermInstructions,
    Offer,
    OrderLine,
    OrderResult,
    ProviderAgreement,
    ProviderCustomer,
    ProviderInvoice,
    ProviderSubscription,
    ReconciliationLine,
    SubscriptionStatus,
)
from seatline.connectors.errors import ProviderError, ProviderNotFoundError
from seatline.connectors.pax8.client import DEFAULT_BASE_URL, MAX_PAGE_SIZE, Pax8Client, TokenSource
from seatline.connectors.pax8.records import Pax8Company, Pax8Invoice, Pax8InvoiceItem, Pax8Subscription
from seatline.connectors.pax8.tokens import (
    DEFAULT_AUDIENCE,
    DEFAULT_TOKEN_URL,
    Pax8TokenProvider,
    StaticTokenProvider,
)
from seatline.connectors.registry import register

CAPABILITIES = ConnectorCapabilities(supports_invoice_lines=True)

STATUSES = {
    "active": SubscriptionStatus.ACTIVE,
    "activated": SubscriptionStatus.ACTIVE,
    "converted": SubscriptionStatus.ACTIVE,
    "trial": SubscriptionStatus.ACTIVE,
    "cancelled": SubscriptionStatus.DELETED,
    "pendingcancel": SubscriptionStatus.ACTIVE,
    "pendingmanual": SubscriptionStatus.PENDING,
    "pendingautomated": SubscriptionStatus.PENDING,
    "waitingfordetails": SubscriptionStatus.PENDING,
    "pendingactivation": SubscriptionStatus.PENDING,
}
TERMS = {
    "monthly": ("P1M", "monthly"),
    "annual": ("P1Y", "annual"),
    "2-year": ("P2Y", "annual"),
    "3-year": ("P3Y", "triennial"),
    "one-time": ("", "onetime"),
}


def split_vendor_sku(vendor_sku_id: str) -> tuple[str, str]:
    """Microsoft's `product:sku[:availability]` catalog id as (product id, sku id); else ("", "")."""
    parts = vendor_sku_id.split(":")
    return (parts[0], parts[1]) if len(parts) >= 2 and parts[0] and parts[1] else ("", "")


@register("pax8")
class Pax8Connector:
    """Pax8 over httpx. Build it with `from_config()` or around a ready `Pax8Client`."""

    key = "pax8"
    capabilities = CAPABILITIES

    def __init__(self, client: Pax8Client) -> None:
        self.client = client

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Pax8Connector:
        """Configuration keys (docs/provider-invoices.md, Pax8): base_url, token_url, audience,
        client_id, client_secret (or auth "static" with access_token), timeout, max_attempts,
        max_retry_sleep, page_size (<= 200). Other keys (token_store, ...) are ignored."""
        timeout = float(config.get("timeout", 30.0))
        created = http is None
        http = http or httpx.Client(timeout=timeout)
        token_provider: TokenSource
        if config.get("auth") == "static":
            token_provider = StaticTokenProvider(str(config["access_token"]))
        else:
            token_provider = Pax8TokenProvider(
                client_id=str(config["client_id"]),
                client_secret=str(config["client_secret"]),
                token_url=str(config.get("token_url") or DEFAULT_TOKEN_URL),
                audience=str(config.get("audience") or DEFAULT_AUDIENCE),
                http=http,
            )
        client = Pax8Client(
            token_provider=token_provider,
            base_url=str(config.get("base_url") or DEFAULT_BASE_URL),
            http=http,
            max_attempts=int(config.get("max_attempts", 4)),
            max_retry_sleep=float(config.get("max_retry_sleep", 60.0)),
            backoff_base=float(config.get("backoff_base", 1.0)),
            sleep=sleep,
            page_size=int(config.get("page_size", MAX_PAGE_SIZE)),
        )
        connector = cls(client)
        connector._owned_http = http if created else None
        return connector

    _owned_http: httpx.Client | None = None

    def close(self) -> None:
        self.client.close()
        if self._owned_http is not None:
            self._owned_http.close()

    # -- typed reads -----------------------------------------------------------------------------

    def companies(self, *, status: str | None = None) -> Iterator[Pax8Company]:
        params = {"status": status} if status else {}
        for data in self.client.iter_pages("/companies", params=params):
            yield Pax8Company.parse(data)

    def company(self, company_id: str) -> Pax8Company:
        return Pax8Company.parse(self.client.get_object(f"/companies/{company_id}"))

    def subscriptions(
        self, *, company_id: str | None = None, status: str | None = None
    ) -> Iterator[Pax8Subscription]:
        params = {key: value for key, value in (("companyId", company_id), ("status", status)) if value}
        for data in self.client.iter_pages("/subscriptions", params=params):
            yield Pax8Subscription.parse(data)

    def subscription(self, subscription_id: str) -> Pax8Subscription:
        return Pax8Subscription.parse(self.client.get_object(f"/subscriptions/{subscription_id}"))

    def invoices(self, *, status: str | None = None, company_id: str | None = None) -> Iterator[Pax8Invoice]:
        params = {key: value for key, value in (("status", status), ("companyId", company_id)) if value}
        for data in self.client.iter_pages("/invoices", params=params):
            yield Pax8Invoice.parse(data)

    def invoice(self, invoice_id: str) -> Pax8Invoice:
        return Pax8Invoice.parse(self.client.get_object(f"/invoices/{invoice_id}"))

    def invoice_items(self, invoice_id: str) -> Iterator[Pax8InvoiceItem]:
        for data in self.client.iter_pages(f"/invoices/{invoice_id}/items"):
            yield Pax8InvoiceItem.parse(data)

    def vendor_subscription_ids(self) -> dict[str, Pax8Subscription]:
        """Every subscription of the partner by Pax8 id (one paged walk)."""
        return {sub.id: sub for sub in self.subscriptions()}

    # -- the ProviderConnector protocol --------------------------------------------------------

    def list_customers(self) -> Iterator[ProviderCustomer]:
        for company in self.companies():
            yield _customer(company)

    def find_customer(
        self, *, domain: str | None = None, customer_id: str | None = None
    ) -> ProviderCustomer | None:
        if customer_id:
            try:
                return _customer(self.company(customer_id))
            except ProviderNotFoundError:
                return None
        return None  # Pax8 companies have no domain

    def list_subscriptions(self, customer_id: str) -> list[ProviderSubscription]:
        return [_subscription(sub) for sub in self.subscriptions(company_id=customer_id)]

    def get_subscription(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        return _subscription(self.subscription(subscription_id))

    def list_invoices(self) -> list[ProviderInvoice]:
        return [
            ProviderInvoice(
                id=invoice.id,
                invoice_date=invoice.invoice_date,
                period_start=None,
                period_end=None,
                total_charges=invoice.total,
                paid_amount=invoice.total - invoice.balance,
                currency=invoice.currency,
                status=invoice.status,
            )
            for invoice in self.invoices()
        ]

    def iter_invoice_lines(self, invoice_id: str) -> Iterator[ReconciliationLine]:
        """The invoice's items, each with the vendor's (Microsoft's) subscription id when known."""
        known = self.vendor_subscription_ids()
        for item in self.invoice_items(invoice_id):
            sub = known.get(item.subscription_id)
            product_id, sku_id = split_vendor_sku(sub.vendor_sku_id) if sub else ("", "")
            yield ReconciliationLine(
                invoice_number=invoice_id,
                customer_id=item.company_id,
                customer_name=item.company_name,
                customer_domain="",
                subscription_id=(sub.vendor_subscription_id if sub else "") or item.subscription_id,
                charge_type=item.type,
                product_id=product_id or item.product_id,
                sku_id=sku_id or item.sku,
                availability_id="",
                product_name=item.product_name,
                sku_name=item.description,
                unit_price=item.cost or Decimal(0),
                effective_unit_price=item.cost or Decimal(0),
                quantity=item.quantity,
                billable_quantity=item.quantity,
                subtotal=item.partner_total - item.sales_tax,
                tax_total=item.sales_tax,
                total=item.partner_total,
                currency=item.currency,
                charge_start=item.start_period,
                charge_end=item.end_period,
                term_and_billing_cycle=item.term,
                reference_id=item.subscription_id,
                alternate_id=item.id,
                raw=item.raw,
            )

    # -- not offered through Pax8 (yet) ----------------------------------------------------------

    def _unsupported(self, what: str) -> NoReturn:
        raise ProviderError(f"the Pax8 connector does not {what}")

    def create_customer(self, request: CustomerRequest) -> ProviderCustomer:
        self._unsupported("create companies")

    def domain_available(self, domain: str) -> bool:
        self._unsupported("check domains")

    def accept_customer_agreement(
        self, customer_id: str, acceptance: AgreementAcceptance
    ) -> ProviderAgreement:
        self._unsupported("record agreements")

    def list_customer_agreements(self, customer_id: str) -> list[ProviderAgreement]:
        self._unsupported("read agreements")

    def list_offers(self, country: str) -> list[Offer]:
        self._unsupported("read the catalog")

    def order_subscriptions(self, customer_id: str, lines: list[OrderLine]) -> OrderResult:
        self._unsupported("place orders")

    def change_quantity(self, customer_id: str, subscription_id: str, quantity: int) -> ProviderSubscription:
        self._unsupported("change quantities")

    def suspend(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        self._unsupported("suspend subscriptions")

    def activate(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        self._unsupported("activate subscriptions")

    def cancel(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        self._unsupported("cancel subscriptions")

    def set_auto_renew(self, customer_id: str, subscription_id: str, enabled: bool) -> ProviderSubscription:
        self._unsupported("change auto-renewal")

    def schedule_next_term(
        self, customer_id: str, subscription_id: str, instructions: NextTermInstructions | None
    ) -> ProviderSubscription:
        self._unsupported("schedule changes")


def _customer(company: Pax8Company) -> ProviderCustomer:
    return ProviderCustomer(id=company.id, company_name=company.name, domain="", country=company.country)


def _subscription(sub: Pax8Subscription) -> ProviderSubscription:
    term, cycle = TERMS.get(sub.billing_term.lower(), ("", sub.billing_term.lower()))
    quantity = int(sub.quantity) if sub.quantity == sub.quantity.to_integral_value() else 0
    return ProviderSubscription(
        id=sub.id,
        customer_id=sub.company_id,
        offer_id=sub.product_id,
        quantity=quantity,
        status=STATUSES.get(sub.status.replace(" ", "").lower(), SubscriptionStatus.UNKNOWN),
        term_duration=term,
        billing_cycle=cycle,
        auto_renew=False,
        offer_name=sub.product_name,
        problems=() if quantity == sub.quantity else (f"quantity {sub.quantity} is not whole",),
    )
