# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payments received against invoices (idempotent per processor transaction id)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.crypto import EncryptedTextField
from seatline.common.fields import CurrencyField, MoneyField, TimestampedModel
from seatline.connectors.payments import ProcessorConfig, ProcessorKind


class Payment(AuditedModel, TimestampedModel):
    class Processor(models.TextChoices):
        MANUAL = "manual", "Manual"
        STRIPE = "stripe", "Stripe"
        GOCARDLESS = "gocardless", "GoCardless"
        AUTHORIZENET = "authorizenet", "Authorize.Net"

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="payments")
    amount = MoneyField(validators=[MinValueValidator(Decimal("0.0001"))])
    currency = CurrencyField()
    date = models.DateField()
    processor = models.CharField(max_length=20, choices=Processor.choices, default=Processor.MANUAL)
    processor_transaction_id = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-date", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "processor_transaction_id"], name="one_payment_per_processor_transaction"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.invoice}"


class PaymentProcessor(TimestampedModel):
    """A processor account Seatline charges through (Stripe, GoCardless, Authorize.Net).

    `api_key` and `webhook_secret` are encrypted at rest and never shown back in full (the admin
    masks them); the model is deliberately not audited so the secrets never reach the audit trail.
    For Authorize.Net, `account_id` is the API Login ID, `api_key` the Transaction Key and
    `webhook_secret` the Signature Key. `base_url` points the SDK at a simulator or sandbox host.
    """

    class Kind(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        GOCARDLESS = "gocardless", "GoCardless"
        AUTHORIZENET = "authorizenet", "Authorize.Net"

    class Environment(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox"
        LIVE = "live", "Live"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField("display name", max_length=100, unique=True)
    environment = models.CharField(max_length=10, choices=Environment.choices, default=Environment.SANDBOX)
    account_id = models.CharField(max_length=200, blank=True, help_text="Authorize.Net API Login ID")
    api_key = EncryptedTextField(help_text="secret key / access token / transaction key; encrypted at rest")
    webhook_secret = EncryptedTextField(blank=True, help_text="webhook signing secret; encrypted at rest")
    base_url = models.URLField(
        blank=True, help_text="API base URL (simulator or sandbox); empty = the vendor's"
    )
    currency = CurrencyField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:  # never the secrets
        return f"<PaymentProcessor {self.pk} {self.kind}:{self.name}>"

    def connector_config(self) -> ProcessorConfig:
        """The typed configuration a payment connector is built from (`get_processor`)."""
        return ProcessorConfig(
            kind=ProcessorKind(self.kind),
            api_key=self.api_key,
            webhook_secret=self.webhook_secret,
            account_id=self.account_id,
            base_url=self.base_url,
            environment=self.environment,
        )


class PaymentProfile(AuditedModel, TimestampedModel):
    """An account's payment method at a processor: only the processor's tokens (docs/billing.md 12).

    `pending` until the processor confirms it (hosted flow or profile request completed);
    only `active` profiles are charged. At most one profile per account is its default.
    """

    class Kind(models.TextChoices):
        CARD = "card", "Card"
        BANK_DEBIT = "bank_debit", "Bank debit"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="payment_profiles"
    )
    processor = models.ForeignKey(PaymentProcessor, on_delete=models.PROTECT, related_name="profiles")
    customer_token = models.CharField("processor customer id", max_length=200, blank=True)
    method_token = models.CharField("processor payment method token", max_length=200, blank=True)
    setup_token = models.CharField("processor setup session id", max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CARD)
    label = models.CharField(max_length=100, blank=True, help_text="e.g. visa •••• 4242")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("account", "-is_default", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_default=True),
                name="one_default_profile_per_account",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | ~models.Q(method_token=""),
                name="active_profile_has_token",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()} at {self.processor.name}"


class ContractCollection(AuditedModel, TimestampedModel):
    """How a contract's invoices are collected: auto-charge and the contract's own profile."""

    contract = models.OneToOneField(
        "contracts.BillingContract", on_delete=models.CASCADE, related_name="collection"
    )
    auto_charge = models.BooleanField(default=False)
    profile = models.ForeignKey(
        PaymentProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )

    def __str__(self) -> str:
        return f"collection of {self.contract}"


class ChargeAttempt(TimestampedModel):
    """One request to a processor to charge an invoice; stored (with its idempotency key) before
    the processor is called, so a retried job repeats the same request (docs/billing.md 12)."""

    class Status(models.TextChoices):
        STARTED = "started", "Started"  # stored, processor outcome not recorded yet
        PENDING = "pending", "Pending"  # accepted, outcome later (direct debit, eCheck)
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"  # due, but not charged (no usable payment method)
        CANCELLED = "cancelled", "Cancelled"  # never sent (the balance changed meanwhile)

    class Trigger(models.TextChoices):
        AUTO = "auto", "Auto-charge"
        MANUAL = "manual", "Manual charge"
        PAYNOW = "paynow", "PayNow"

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="charge_attempts")
    profile = models.ForeignKey(PaymentProfile, null=True, blank=True, on_delete=models.PROTECT)
    processor = models.ForeignKey(PaymentProcessor, null=True, blank=True, on_delete=models.PROTECT)
    number = models.PositiveIntegerField(help_text="attempt number for this invoice")
    idempotency_key = models.CharField(max_length=200, unique=True)
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    amount = MoneyField()
    currency = CurrencyField()
    date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    code = models.CharField(max_length=40, blank=True, help_text="decline or skip code")
    processor_code = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500, blank=True)
    processor_transaction_id = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="charge_attempt"
    )

    class Meta:
        ordering = ("-date", "-id")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "number"], name="one_attempt_number_per_invoice")
        ]
        indexes = [models.Index(fields=["status", "date"]), models.Index(fields=["processor_transaction_id"])]

    def __str__(self) -> str:
        return f"{self.idempotency_key}: {self.status}"


class Dunning(TimestampedModel):
    """The auto-charge state of one invoice: its charge day and the retries after failures."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"  # next_date is the next charge
        DONE = "done", "Done"  # paid, or nothing more to charge automatically
        STOPPED = "stopped", "Stopped"  # the last failure happened

    invoice = models.OneToOneField("invoicing.Invoice", on_delete=models.CASCADE, related_name="dunning")
    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+")
    charge_date = models.DateField()
    next_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    failures = models.PositiveIntegerField(default=0)
    first_failure_date = models.DateField(null=True, blank=True)
    last_failure_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_date"])]

    def __str__(self) -> str:
        return f"dunning of {self.invoice}: {self.status}"


class Refund(TimestampedModel):
    """Money returned from one payment (idempotent per processor refund id)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(validators=[MinValueValidator(Decimal("0.0001"))])
    currency = CurrencyField()
    date = models.DateField()
    processor = models.CharField(max_length=20, choices=Payment.Processor.choices)
    processor_refund_id = models.CharField(max_length=200)
    status = models.CharField(max_length=10, default="succeeded")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-date", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "processor_refund_id"], name="one_refund_per_processor_id"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} of payment {self.payment_id}"


class CreditApplication(TimestampedModel):
    """Credit (a negative balance: credit note, credit invoice) applied to an open invoice."""

    source = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="credit_given")
    target = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="credit_received")
    amount = MoneyField()
    currency = CurrencyField()
    date = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_application_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} from {self.source} to {self.target}"


class WebhookEvent(models.Model):
    """A verified processor event, raw body kept for audit; unique per (processor, event id)."""

    processor = models.ForeignKey(PaymentProcessor, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    object_id = models.CharField(max_length=200, blank=True)
    raw_body = models.TextField()
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["processor", "event_id"], name="one_event_per_processor_id")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ProfileRequest(TimestampedModel):
    """A single-use, expiring link e-mailed to a customer to enter a payment method (the link
    carries a signed `nonce`); its profile is pending until the customer completes the flow."""

    profile = models.ForeignKey(PaymentProfile, on_delete=models.CASCADE, related_name="requests")
    nonce = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"payment method request for {self.profile.account_id}"
