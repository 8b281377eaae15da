# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payments received against invoices (idempotent per processor transaction id)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, MoneyField, TimestampedModel


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
