# SPDX-License-Identifier: AGPL-3.0-or-later
"""The tenant's global configuration (one row)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, PercentField
from seatline.configuration.tenant import default_time_zone_setting, forget


class InvoiceDateBasis(models.TextChoices):
    CYCLE = "cycle", "Billing cycle date"
    GENERATION = "generation", "Generation (current) date"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown time zone {value!r}", code="invalid_time_zone") from exc


def validate_number_format(value: str) -> None:
    try:
        rendered = value.format(number=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            "use a Python format with {number}, e.g. INV-{number:06d}", code="invalid_format"
        ) from exc
    if rendered == value.format(number=2):
        raise ValidationError("the format must contain {number}", code="invalid_format")


def default_dunning_retry_days() -> list[int]:
    return [3, 7, 14]


class Configuration(AuditedModel):
    """Global settings (Work 365 Admin Hub -> Configuration). Always the row with pk=1."""

    tenant_currency = CurrencyField("tenant currency")
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone_setting,
        validators=[validate_time_zone],
        help_text="billing dates are dates in this zone (default: the TIME_ZONE setting)",
    )
    generate_refunds = models.BooleanField(
        "generate refund invoices", default=False, help_text="global refund switch (billing rules 7)"
    )
    invoice_date_basis = models.CharField(
        max_length=12, choices=InvoiceDateBasis.choices, default=InvoiceDateBasis.CYCLE
    )
    auto_issue_invoices = models.BooleanField(
        default=True, help_text="issue generated invoices at once (off: runs create drafts)"
    )
    change_log_weekday = models.PositiveSmallIntegerField(
        "change-log invoice weekday", choices=Weekday.choices, default=Weekday.FRIDAY
    )
    credit_hold_enabled = models.BooleanField("enable credit hold", default=False)
    dunning_retry_days = models.JSONField(
        default=default_dunning_retry_days,
        blank=True,
        help_text="days after the first failed charge on which it is retried (docs/billing.md 12)",
    )
    dunning_credit_hold = models.BooleanField(
        default=False, help_text="put the account on credit hold after an invoice's last failed charge"
    )
    invoice_number_format = models.CharField(
        max_length=40, default="INV-{number:06d}", validators=[validate_number_format]
    )
    credit_note_number_format = models.CharField(
        max_length=40, default="CN-{number:06d}", validators=[validate_number_format]
    )
    default_markup_percent = PercentField("default usage markup %")
    invoicing_cycle_range = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="how many future cycles a manual run may choose",
    )
    date_window_years = models.PositiveSmallIntegerField(
        "date window (years)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="dates typed in the back office must lie within this many years of today",
    )
    seller_name = models.CharField(max_length=200, default="Seatline Demo Partner")
    seller_address = models.TextField(blank=True)
    seller_tax_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "configuration"
        verbose_name_plural = "configuration"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="configuration_singleton")]

    def __str__(self) -> str:
        return "Configuration"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        forget()  # the tenant time zone may have changed

    @classmethod
    def get(cls) -> Configuration:
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    @property
    def default_markup(self) -> Decimal:
        return self.default_markup_percent
