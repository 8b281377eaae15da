# SPDX-License-Identifier: AGPL-3.0-or-later
"""The provider connector protocol: what Seatline asks of Partner Center, a distributor, ...

A connector is a thin, synchronous, typed adapter over one provider's API. Frozen dataclasses go
in and come out (never provider dicts); money and quantities that may be fractional are
`Decimal`; instants are aware UTC datetimes; provider failures are `ProviderError`s
(`seatline.connectors.errors`) with a stable Seatline code.

Connectors never decide business rules (QRB windows, proration, credit hold): the provisioning
service does, using the facts a connector reports (`ProviderSubscription.refundable_quantity`,
`cancellation_allowed_until`, the capability flags). A connector does keep the provider's own
invariants that callers cannot see, e.g. Partner Center's "PATCH the full subscription body".

"manual" and "do_nothing" providers are *not* connectors: the provisioning service handles them
itself (a reminder e-mail and a task for staff, or nothing), so they never reach the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class SubscriptionStatus(StrEnum):
    """Provider subscription state (Partner Center's SubscriptionStatus, lower-cased)."""

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"  # cancelled
    EXPIRED = "expired"
    DISABLED = "disabled"
    UNKNOWN = "unknown"


class OrderStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ConnectorCapabilities:
    """What a provider can do; the provisioning service adapts its flow to these flags."""

    supports_domain_check: bool = False
    supports_agreements: bool = False  # agreement acceptance is recorded through the API
    supports_nce_windows: bool = False  # cancellation_allowed_until / refundable lots are reported
    supports_scheduled_changes: bool = False  # schedule_next_term works
    supports_suspend: bool = False
    supports_auto_renew: bool = False
    supports_invoice_lines: bool = False  # iter_invoice_lines gives reconciliation rows
    supports_order_validation: bool = False  # a dry-run order exists (Pax8 isMock)


@dataclass(frozen=True)
class Address:
    first_name: str
    last_name: str
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    line2: str = ""
    state: str = ""
    region: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CustomerRequest:
    """A new customer tenant. `domain` is the full initial domain, e.g. "acme.onmicrosoft.com"."""

    company_name: str
    domain: str
    email: str
    address: Address
    culture: str = "en-US"
    language: str = "en"
    organization_registration_number: str = ""
    associated_partner_id: str = ""  # indirect reseller tenant id, if any


@dataclass(frozen=True)
class AdminCredentials:
    """The tenant's first admin user; returned once, on creation only."""

    user_name: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class ProviderCustomer:
    id: str
    company_name: str
    domain: str
    tenant_id: str = ""
    commerce_id: str = ""
    relationship: str = ""
    email: str = ""
    country: str = ""
    initial_credentials: AdminCredentials | None = None


@dataclass(frozen=True)
class AgreementAcceptance:
    """The customer's acceptance of the provider agreement, as confirmed by the partner."""

    first_name: str
    last_name: str
    email: str
    date_agreed: dt.datetime  # aware
    phone: str = ""
    template_id: str = ""  # empty: the connector uses the current template
    agreement_type: str = "MicrosoftCustomerAgreement"


@dataclass(frozen=True)
class ProviderAgreement:
    customer_id: str
    agreement_type: str
    template_id: str
    date_agreed: dt.datetime | None
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    agreement_link: str = ""
    user_id: str = ""


@dataclass(frozen=True)
class OfferTerm:
    term_duration: str  # ISO 8601 duration: P1M, P1Y, P3Y
    billing_cycle: str  # lower-case: monthly, annual, triennial, onetime, none
    description: str = ""


@dataclass(frozen=True)
class Offer:
    id: str  # purchasable id; Partner Center catalogItemId "product:sku:availability"
    product_id: str
    sku_id: str
    availability_id: str
    title: str
    sku_title: str = ""
    description: str = ""
    min_quantity: int | None = None
    max_quantity: int | None = None
    currency: str = ""
    segment: str = ""
    country: str = ""
    is_purchasable: bool = True
    is_trial: bool = False
    terms: tuple[OfferTerm, ...] = ()


@dataclass(frozen=True)
class OrderLine:
    offer_id: str
    quantity: int
    term_duration: str
    billing_cycle: str
    friendly_name: str = ""
    custom_term_end_date: dt.date | None = None
    promotion_id: str = ""
    attestation_accepted: bool = False


@dataclass(frozen=True)
class RefundableLot:
    """Seats added together (purchase, renewal, mid-term add): reducible until `allowed_until`."""

    quantity: int
    allowed_until: dt.datetime


@dataclass(frozen=True)
class RefundableQuantity:
    """How many seats can still be reduced, as the provider last reported it (with its lots)."""

    total: int = 0
    lots: tuple[RefundableLot, ...] = ()

    def at(self, when: dt.datetime) -> int:
        """Seats still reducible at `when`: lots whose deadline has not passed (`total` without lots)."""
        if not self.lots:
            return self.total
        return sum(lot.quantity for lot in self.lots if when <= lot.allowed_until)


@dataclass(frozen=True)
class RefundOption:
    """A refund the provider offers on cancellation until `expires_at` (Partner Center `Full`/`Partial`)."""

    type: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class NextTermInstructions:
    """A change applied at renewal (Partner Center scheduledNextTermInstructions)."""

    offer_id: str  # catalogItemId of the next term
    term_duration: str
    billing_cycle: str
    quantity: int
    custom_term_end_date: dt.date | None = None
    promotion_id: str = ""


@dataclass(frozen=True)
class ProviderSubscription:
    id: str
    customer_id: str
    offer_id: str
    quantity: int
    status: SubscriptionStatus
    term_duration: str
    billing_cycle: str
    auto_renew: bool
    offer_name: str = ""
    friendly_name: str = ""
    order_id: str = ""
    start: dt.datetime | None = None  # effectiveStartDate
    commitment_end: dt.date | None = None  # inclusive
    billing_cycle_end: dt.date | None = None
    # The deadline for cancelling: the earliest of the provider's subscription-level window and
    # the latest refund option (None: the provider reported no window).
    cancellation_allowed_until: dt.datetime | None = None
    refund_options: tuple[RefundOption, ...] = ()
    refundable_quantity: RefundableQuantity = RefundableQuantity()
    next_term: NextTermInstructions | None = None
    is_trial: bool = False
    etag: str = ""
    problems: tuple[str, ...] = ()  # fields the connector could not read (e.g. an unreadable date)


@dataclass(frozen=True)
class PendingOrderLine:
    """An ordered line whose subscription the provider had not provisioned within the wait."""

    order_id: str
    line_number: int
    offer_id: str
    quantity: int


@dataclass(frozen=True)
class OrderResult:
    order_ids: tuple[str, ...]
    subscriptions: tuple[ProviderSubscription, ...]
    pending: tuple[PendingOrderLine, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.pending


class InvoiceDocumentType(StrEnum):
    """What a provider billing document is (Partner Center `documentType`, normalised)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "creditNote"  # "Credit Note": reduces what the partner owes
    ADJUSTMENT_NOTE = "adjustmentNote"  # "adjustment_note": corrects an invoice (either sign)
    VOID_NOTE = "voidNote"  # "void_note": an invoice that was voided and replaced
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InvoiceDetail:
    """One kind of lines an invoice holds (Partner Center `invoiceDetails[]`)."""

    line_item_type: str  # billing_line_items | usage_line_items
    billing_provider: str  # one_time (NCE, Azure plan, marketplace, software) | office | azure
    uri: str = ""  # where the lines are read (relative to /v1)


@dataclass(frozen=True)
class ProviderInvoice:
    """A provider billing document: an invoice, or a credit/adjustment note amending one.

    `amendments` are the documents that correct this one (each with its own `total_charges` and
    `amends_of` = this id); `amends_of` names the document a note corrects. `total_charges` is
    signed as the provider writes it (a credit note is usually negative).
    """

    id: str
    invoice_date: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    total_charges: Decimal
    paid_amount: Decimal
    currency: str
    document_type: InvoiceDocumentType = InvoiceDocumentType.INVOICE
    document_type_text: str = ""  # as the provider wrote it ("Credit Note", "adjustment_note", ...)
    invoice_type: str = ""  # OneTime | Recurring
    status: str = ""
    amends_of: str = ""
    amendments: tuple[ProviderInvoice, ...] = ()
    details: tuple[InvoiceDetail, ...] = ()
    problems: tuple[str, ...] = ()
    # The tax in `total_charges` when the provider states it (None: not stated; Partner Center's
    # Invoice resource has no such field, the simulator sends `taxTotal`).
    tax_total: Decimal | None = None

    @property
    def has_usage_lines(self) -> bool:
        """The invoice announces daily rated usage lines (an `usage_line_items` detail)."""
        return any(
            detail.line_item_type.replace("_", "").lower() == "usagelineitems" for detail in self.details
        )

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == InvoiceDocumentType.CREDIT_NOTE

    def documents(self) -> tuple[ProviderInvoice, ...]:
        """This document followed by its amendments (and theirs), depth first."""
        found: list[ProviderInvoice] = [self]
        for amendment in self.amendments:
            found.extend(amendment.documents())
        return tuple(found)


@dataclass(frozen=True)
class ReconciliationLine:
    """One billed charge event of a provider invoice (Partner Center OneTimeInvoiceLineItem)."""

    invoice_number: str
    customer_id: str
    customer_name: str
    customer_domain: str
    subscription_id: str
    charge_type: str  # new, renew, cycleCharge, addQuantity, removeQuantity, cancelImmediate, ...
    product_id: str
    sku_id: str
    availability_id: str
    product_name: str
    sku_name: str
    unit_price: Decimal
    effective_unit_price: Decimal
    quantity: Decimal
    billable_quantity: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    currency: str
    order_id: str = ""
    order_date: dt.datetime | None = None
    charge_start: dt.date | None = None
    charge_end: dt.date | None = None
    subscription_start: dt.date | None = None
    subscription_end: dt.date | None = None
    term_and_billing_cycle: str = ""
    billing_frequency: str = ""
    reference_id: str = ""
    alternate_id: str = ""
    promotion_id: str = ""
    pricing_currency: str = ""
    exchange_rate: Decimal | None = None
    unit_type: str = ""
    subscription_description: str = ""
    problems: tuple[str, ...] = ()  # fields the connector could not read (e.g. an unreadable date)
    # The record as the provider sent it (keys and values as read), kept beside the parsed fields.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class RatedUsageLine:
    """One daily rated usage row of an invoice (Partner Center DailyRatedUsageLineItem, Graph billed
    usage export): Azure plan consumption. Usage rows carry no tax; `pre_tax_total` is in the
    partner's billing currency."""

    invoice_number: str
    customer_id: str
    customer_name: str
    subscription_id: str
    product_id: str
    sku_id: str
    product_name: str
    sku_name: str
    charge_type: str
    unit_price: Decimal
    effective_unit_price: Decimal
    quantity: Decimal
    pre_tax_total: Decimal
    currency: str
    usage_date: dt.date | None = None
    charge_start: dt.date | None = None
    charge_end: dt.date | None = None
    meter_id: str = ""
    meter_name: str = ""
    meter_category: str = ""
    unit: str = ""
    entitlement_id: str = ""
    resource_uri: str = ""
    exchange_rate: Decimal | None = None
    problems: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@runtime_checkable
class ProviderConnector(Protocol):
    """One provider account (a Partner Center partner tenant, a Pax8 partner, an Ion account).

    Every method is synchronous and may raise `ProviderError`. Methods that change state return
    the provider's resulting state. Methods a provider lacks raise `ProviderError` with code
    `provider_error`; check `capabilities` first.
    """

    key: str
    capabilities: ConnectorCapabilities

    # customers
    def create_customer(self, request: CustomerRequest) -> ProviderCustomer: ...

    def find_customer(
        self, *, domain: str | None = None, customer_id: str | None = None
    ) -> ProviderCustomer | None: ...

    def domain_available(self, domain: str) -> bool: ...

    def list_customers(self) -> Iterator[ProviderCustomer]: ...

    # agreements
    def accept_customer_agreement(
        self, customer_id: str, acceptance: AgreementAcceptance
    ) -> ProviderAgreement: ...

    def list_customer_agreements(self, customer_id: str) -> list[ProviderAgreement]: ...

    # catalog and orders
    def list_offers(self, country: str) -> list[Offer]: ...

    def order_subscriptions(self, customer_id: str, lines: list[OrderLine]) -> OrderResult: ...

    # subscriptions
    def get_subscription(self, customer_id: str, subscription_id: str) -> ProviderSubscription: ...

    def list_subscriptions(self, customer_id: str) -> list[ProviderSubscription]: ...

    def change_quantity(
        self, customer_id: str, subscription_id: str, quantity: int
    ) -> ProviderSubscription: ...

    def suspend(self, customer_id: str, subscription_id: str) -> ProviderSubscription: ...

    def activate(self, customer_id: str, subscription_id: str) -> ProviderSubscription: ...

    def cancel(self, customer_id: str, subscription_id: str) -> ProviderSubscription: ...

    def set_auto_renew(
        self, customer_id: str, subscription_id: str, enabled: bool
    ) -> ProviderSubscription: ...

    def schedule_next_term(
        self, customer_id: str, subscription_id: str, instructions: NextTermInstructions | None
    ) -> ProviderSubscription: ...

    # invoices and reconciliation
    def list_invoices(self) -> list[ProviderInvoice]: ...

    def iter_invoice_lines(self, invoice_id: str) -> Iterator[ReconciliationLine]: ...
