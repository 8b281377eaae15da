# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscriptions, their license change logs (LCL), scheduled changes (SLCL), NRIs and usage."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.choices import UNIT_MONTHS, ProvisioningStatus, ReductionBehaviour, SalesUnit
from seatline.common.fields import CurrencyField, MoneyField, PercentField, TimestampedModel


class Subscription(AuditedModel, TimestampedModel):
    class Kind(models.TextChoices):
        LICENSE = "license", "License"
        SERVICE = "service", "Service"
        USAGE = "usage", "Usage"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    contract = models.ForeignKey(
        "contracts.BillingContract", on_delete=models.PROTECT, related_name="subscriptions"
    )
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT)
    name = models.CharField(max_length=200, help_text="printed on invoice lines")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LICENSE)
    quantity = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    sales_unit = models.CharField(max_length=12, choices=SalesUnit.choices, default=SalesUnit.MONTHLY)
    price = MoneyField("unit selling price", validators=[MinValueValidator(Decimal("0"))])
    cost = MoneyField("unit cost", validators=[MinValueValidator(Decimal("0"))])
    currency = CurrencyField()
    start_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    qrb = models.CharField(
        "quantity reduction behaviour",
        max_length=12,
        choices=ReductionBehaviour.choices,
        default=ReductionBehaviour.ALLOWED,
    )
    qrw_days = models.PositiveSmallIntegerField("reduction window (days)", null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    taxable = models.BooleanField(default=True)
    markup_percent = PercentField(
        "usage markup %",
        null=True,
        blank=True,
        default=None,
        help_text="blank: the configuration's default usage markup; 0: no markup",
    )
    consumption_threshold = MoneyField(null=True, blank=True, default=None)
    provider = models.ForeignKey("providers.Provider", null=True, blank=True, on_delete=models.PROTECT)
    provider_account = models.ForeignKey(
        "providers.ProviderAccount", null=True, blank=True, on_delete=models.PROTECT
    )
    provider_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    provider_offer_id = models.CharField(max_length=120, blank=True)
    provisioning_status = models.CharField(
        max_length=16, choices=ProvisioningStatus.choices, default=ProvisioningStatus.NOT_APPLICABLE
    )
    provisioning_message = models.TextField(blank=True)
    commitment_end_date = models.DateField(null=True, blank=True)
    cancellation_allowed_until = models.DateTimeField(null=True, blank=True)
    refundable_quantity = models.IntegerField(null=True, blank=True)
    # The provider's lots of reducible seats, each with its own deadline (NCE: 7 days from when
    # those seats were added): [{"quantity": 4, "allowed_until": "2026-03-20T10:00:00+00:00"}].
    refundable_lots = models.JSONField(default=list, blank=True)
    provider_auto_renew = models.BooleanField(default=True)

    class Meta:
        ordering = ("contract", "name", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="subscription_quantity_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="subscription_price_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(qrb="window") | models.Q(qrw_days__gte=1),
                name="subscription_window_needs_days",
            ),
        ]
        indexes = [models.Index(fields=["provider", "provider_subscription_id"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.contract})"

    @property
    def unit_months(self) -> int:
        return UNIT_MONTHS[self.sales_unit]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.quantity is not None and self.quantity < 0:
            errors["quantity"] = "The quantity cannot be negative."
        if self.qrb == ReductionBehaviour.WINDOW and not self.qrw_days:
            errors["qrw_days"] = "A reduction window needs its length in days."
        if errors:
            raise ValidationError(errors)


class LicenseChangeLog(AuditedModel, TimestampedModel):
    """One change of a subscription. Never deleted or edited once billed."""

    class Kind(models.TextChoices):
        CREATE = "create", "Create"
        INCREASE = "increase", "Increase"
        DECREASE = "decrease", "Decrease"
        DEACTIVATE = "deactivate", "Deactivate"
        ACTIVATE = "activate", "Activate"
        PRICE = "price", "Price change"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="change_logs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    effective_date = models.DateField(help_text="first day the change applies")
    delta = models.IntegerField("quantity delta")
    quantity_after = models.IntegerField(validators=[MinValueValidator(0)])
    price = MoneyField("unit selling price after the change")
    cost = MoneyField("unit cost after the change")
    sales_unit = models.CharField(max_length=12, choices=SalesUnit.choices)
    currency = CurrencyField()
    refund = models.BooleanField(default=False, help_text="a reduction that is credited")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.CharField(max_length=200, blank=True)
    provisioning_status = models.CharField(
        max_length=16, choices=ProvisioningStatus.choices, default=ProvisioningStatus.NOT_APPLICABLE
    )
    provisioning_message = models.TextField(blank=True)
    scheduled_change = models.ForeignKey(
        "ScheduledLicenseChangeLog", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "license change log"
        ordering = ("subscription", "effective_date", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_after__gte=0), name="lcl_quantity_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["subscription", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delta:+d} on {self.effective_date:%Y-%m-%d} ({self.subscription.name})"


class ScheduledLicenseChangeLog(AuditedModel, TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ARCHIVED = "archived", "Archived"
        MERGE_FAILED = "merge_failed", "Merge Failed"

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="scheduled_changes")
    effective_date = models.DateField()
    target_quantity = models.IntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    new_price = MoneyField(null=True, blank=True, default=None, validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_message = models.TextField(blank=True)
    merged_change = models.ForeignKey(
        LicenseChangeLog, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=40, blank=True, help_text="e.g. indexation, portal, order")

    class Meta:
        verbose_name = "scheduled license change log"
        ordering = ("effective_date", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_quantity__isnull=False) | models.Q(new_price__isnull=False),
                name="slcl_changes_something",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_date"])]

    def __str__(self) -> str:
        return f"Scheduled change of {self.subscription.name} on {self.effective_date:%Y-%m-%d}"


class NonRecurringItem(AuditedModel, TimestampedModel):
    class Status(models.TextChoices):
        UNBILLED = "unbilled", "Unbilled"
        BILLED = "billed", "Billed"

    contract = models.ForeignKey("contracts.BillingContract", on_delete=models.PROTECT, related_name="nris")
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="nris")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    unit_price = MoneyField()
    unit_cost = MoneyField()
    currency = CurrencyField()
    discount_percent = PercentField("discount %")
    taxable = models.BooleanField(default=True)
    date = models.DateField("invoice on")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNBILLED)
    provider = models.ForeignKey("providers.Provider", null=True, blank=True, on_delete=models.PROTECT)
    provisioning_status = models.CharField(
        max_length=16, choices=ProvisioningStatus.choices, default=ProvisioningStatus.NOT_APPLICABLE
    )

    class Meta:
        verbose_name = "non-recurring item"
        ordering = ("contract", "date", "id")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="nri_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.contract})"


class UsageRecord(AuditedModel, TimestampedModel):
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="usage_records")
    description = models.CharField(max_length=200, blank=True)
    cost = MoneyField()
    markup_percent = PercentField("markup %")
    currency = CurrencyField()
    period_start = models.DateField()
    period_end = models.DateField()
    confirmed = models.BooleanField(default=False)
    invoiced = models.BooleanField(default=False)
    source_reference = models.CharField(max_length=200, blank=True, help_text="provider invoice / file")

    class Meta:
        ordering = ("subscription", "period_start", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="usage_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Usage {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d} of {self.subscription.name}"
