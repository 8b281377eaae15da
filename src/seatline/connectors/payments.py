# SPDX-License-Identifier: AGPL-3.0-or-later
"""The payment processor protocol: what Seatline asks of Stripe, GoCardless, Authorize.Net, ...

A processor connector is a thin, synchronous, typed adapter over one processor account, built on
the vendor's own SDK. Frozen dataclasses go in and come out (never SDK objects or dicts); amounts
are `Decimal` in major units next to an ISO 4217 currency (connectors convert to minor units where
the vendor wants them); instants are aware UTC datetimes.

Outcomes versus errors:

* A charge the processor *refused* (a decline) is an outcome: `charge()` returns a `Charge` with
  `status=FAILED` and a normalised `decline_code` (`DeclineCode`); the caller records the failed
  attempt. Direct debit answers `PENDING` and the outcome arrives later (webhook or `get_charge`).
* Anything else the processor or the network refuses raises a `ProcessorError`
  (`seatline.connectors.payment_errors`): bad credentials, an invalid request, an idempotency key
  reused with other parameters, an unreachable processor (`retryable`), a missing capability.

Idempotency: every call that creates money movement takes an `idempotency_key`; the same key
again returns the first result (the processor performs it once). Seatline's charge keys are
`charge:<invoice number>:<attempt>` (docs/billing.md 12).

Connectors store nothing and decide no business rule (amounts, retries, dunning): the payments
services do, using the facts a connector reports and its `capabilities`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ProcessorKind(StrEnum):
    STRIPE = "stripe"
    GOCARDLESS = "gocardless"
    AUTHORIZENET = "authorizenet"


class DeclineCode(StrEnum):
    """Why a processor refused a charge, in Seatline's words (docs/billing.md 12)."""

    CARD_DECLINED = "card_declined"  # the issuer or the payer's bank said no
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"  # also an expired direct-debit mandate
    AUTHENTICATION_REQUIRED = "authentication_required"  # the customer must act (3DS, new mandate)
    PROCESSING_ERROR = "processing_error"  # the processor failed; any other refusal


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"  # direct debit / eCheck: the outcome comes later
    FAILED = "failed"


class RefundStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"


class PaymentMethodKind(StrEnum):
    CARD = "card"
    BANK_DEBIT = "bank_debit"


class SetupStatus(StrEnum):
    OPEN = "open"  # waiting for the customer on the processor's hosted page
    SUCCEEDED = "succeeded"  # a payment method exists (a mandate may still be pending at the bank)
    FAILED = "failed"  # cancelled, expired or refused


class CheckoutStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    EXPIRED = "expired"


class WebhookEventKind(StrEnum):
    """What a processor event means to Seatline; `OTHER` events are logged and ignored."""

    CHARGE_SUCCEEDED = "charge_succeeded"
    CHARGE_FAILED = "charge_failed"
    CHARGE_PENDING = "charge_pending"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"
    PAYMENT_METHOD_READY = "payment_method_ready"  # card saved / mandate active
    PAYMENT_METHOD_FAILED = "payment_method_failed"  # mandate failed, cancelled or expired
    CHECKOUT_COMPLETED = "checkout_completed"
    OTHER = "other"


@dataclass(frozen=True)
class ProcessorCapabilities:
    """What a processor can do; services adapt their flows to these flags."""

    cards: bool = False
    bank_debit: bool = False
    refunds: bool = False
    partial_refunds: bool = False
    hosted_payment_page: bool = False  # create_checkout works (PayNow)
    hosted_setup_page: bool = False  # start_setup works (back-office direct entry, profile requests)
    webhooks: bool = False  # parse_webhook works
    async_outcomes: bool = False  # charges may answer PENDING and settle later


@dataclass(frozen=True)
class ProcessorConfig:
    """How to reach one processor account. Secrets are never in `repr`.

    * Stripe: `api_key` = secret key (`sk_...`), `webhook_secret` = endpoint secret (`whsec_...`).
    * GoCardless: `api_key` = access token, `webhook_secret` = the webhook endpoint's secret.
    * Authorize.Net: `account_id` = API Login ID, `api_key` = Transaction Key, `webhook_secret` =
      Signature Key.

    `base_url` points the SDK at a simulator or another host; empty means the vendor's `environment`
    (`sandbox` or `live`).
    """

    kind: ProcessorKind
    api_key: str = field(repr=False)
    webhook_secret: str = field(default="", repr=False)
    account_id: str = ""
    base_url: str = ""
    environment: str = "sandbox"
    timeout: float = 30.0


@dataclass(frozen=True)
class CustomerRequest:
    name: str
    email: str = ""
    reference: str = ""  # Seatline's account number/id, kept at the processor for support staff
    country: str = ""  # ISO 3166-1 alpha-2 (GoCardless needs it for the bank scheme)


@dataclass(frozen=True)
class ProcessorCustomer:
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class TokenSource:
    """A payment method token obtained by the processor's own client-side flow or a test token.

    Stripe: a PaymentMethod id (`pm_...`, or test tokens such as `pm_card_visa`); GoCardless: a
    customer bank account id (`BA...`); Authorize.Net: an Accept.js opaque data value.
    """

    token: str


@dataclass(frozen=True)
class BankAccountSource:
    """Bank details for a direct-debit mandate (GoCardless); sent to the processor, never stored."""

    account_holder_name: str
    account_number: str = field(repr=False)
    branch_code: str = ""  # sort code, routing number, ...
    country_code: str = "GB"
    iban: str = field(default="", repr=False)


PaymentSource = TokenSource | BankAccountSource


@dataclass(frozen=True)
class PaymentMethod:
    """A reusable payment method at the processor: only its token and display facts."""

    token: str  # what charge() takes: Stripe pm_..., GoCardless mandate MD..., Authorize.Net profile id
    customer_id: str
    kind: PaymentMethodKind
    label: str  # "visa •••• 4242", "bacs •••• 11"
    ready: bool = True  # False while a mandate is pending at the bank (charges are still accepted)
    expiry_month: int | None = None
    expiry_year: int | None = None


@dataclass(frozen=True)
class SetupRequest:
    """Start the processor's hosted flow that saves a payment method for `customer_id`."""

    customer_id: str
    return_url: str
    cancel_url: str = ""
    currency: str = "USD"
    kind: PaymentMethodKind = PaymentMethodKind.CARD
    idempotency_key: str = ""


@dataclass(frozen=True)
class SetupSession:
    id: str
    status: SetupStatus
    url: str = ""  # where to send the customer (GET), or where to POST `form_fields`
    form_fields: tuple[tuple[str, str], ...] = ()  # Authorize.Net's hosted pages are a form POST
    payment_method: PaymentMethod | None = None  # once SUCCEEDED


@dataclass(frozen=True)
class ChargeRequest:
    customer_id: str
    payment_method_token: str
    amount: Decimal  # major units, > 0, at most the currency's minor digits
    currency: str
    idempotency_key: str
    description: str = ""
    reference: str = ""  # the invoice number
    charge_date: dt.date | None = None  # direct debit: the earliest collection day


@dataclass(frozen=True)
class Charge:
    id: str  # the processor transaction id (unique per processor)
    status: ChargeStatus
    amount: Decimal
    currency: str
    decline_code: DeclineCode | None = None  # set when FAILED
    processor_code: str = ""  # the vendor's own code (decline_code, failure cause, reason code)
    message: str = ""  # the vendor's text for staff
    payment_method_token: str = ""
    created: dt.datetime | None = None


@dataclass(frozen=True)
class RefundRequest:
    charge_id: str
    amount: Decimal  # major units, > 0, at most what is left of the charge
    currency: str
    idempotency_key: str
    reason: str = ""


@dataclass(frozen=True)
class Refund:
    id: str  # the processor refund id (refunds are idempotent per this id)
    charge_id: str
    status: RefundStatus
    amount: Decimal
    currency: str
    message: str = ""


@dataclass(frozen=True)
class CheckoutRequest:
    """A hosted payment page for one amount (PayNow)."""

    amount: Decimal
    currency: str
    description: str
    reference: str  # the invoice number
    success_url: str
    cancel_url: str
    idempotency_key: str
    customer_id: str = ""  # known customer: the page may offer "save for future use"
    customer_email: str = ""
    save_payment_method: bool = False


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    status: CheckoutStatus
    url: str = ""
    form_fields: tuple[tuple[str, str], ...] = ()
    charge_id: str = ""  # once COMPLETE
    payment_method: PaymentMethod | None = None  # when the payer saved it
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """One verified processor event (a GoCardless webhook carries several)."""

    id: str  # the processor's event id (deduplicate on it)
    type: str  # the vendor's own type, e.g. "payment_intent.succeeded", "payments.failed"
    kind: WebhookEventKind
    occurred_at: dt.datetime | None
    object_id: str = ""  # the charge, refund, mandate or session the event is about
    charge_id: str = ""
    refund_id: str = ""
    payment_method_token: str = ""
    decline_code: DeclineCode | None = None
    processor_code: str = ""
    message: str = ""
    reference: str = ""  # a completed checkout's reference (the invoice number it pays)


@runtime_checkable
class PaymentProcessor(Protocol):
    """One processor account. Every method is synchronous and may raise `ProcessorError`.

    Methods a processor lacks raise `ProcessorUnsupportedError`; check `capabilities` first.
    """

    kind: ProcessorKind
    capabilities: ProcessorCapabilities

    def create_customer(self, request: CustomerRequest) -> ProcessorCustomer: ...

    def add_payment_method(self, customer_id: str, source: PaymentSource) -> PaymentMethod:
        """Save a payment method from a token or bank details, without a hosted page."""
        ...

    def start_setup(self, request: SetupRequest) -> SetupSession:
        """Start the processor's hosted flow that saves a payment method."""
        ...

    def get_setup(self, setup_id: str) -> SetupSession:
        """The hosted flow's state; its `payment_method` once the customer completed it."""
        ...

    def charge(self, request: ChargeRequest) -> Charge: ...

    def get_charge(self, charge_id: str) -> Charge: ...

    def refund(self, request: RefundRequest) -> Refund: ...

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    def get_checkout(self, session_id: str) -> CheckoutSession: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, ...]:
        """Verify the signature (raise `WebhookSignatureError`) and parse the events."""
        ...
