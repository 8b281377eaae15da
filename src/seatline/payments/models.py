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
