# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing contracts and their billing schedules (one per cycle)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, MoneyField, PercentField, TimestampedModel
from seatline.core.types import FREQUENCY_MONTHS, ContractTerms


class ContractType(models.TextChoices):
    RECURRING = "recurring", "Recurring"
    NON_RECURRING = "non_recurring", "Non-recurring"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"
    TRIENNIAL = "triennial", "Triennial"


class Policy(models.TextChoices):
    ADVANCE = "advance", "Advance"
    ARREARS = "arrears", "Arrears"


class ProrateUnit(models.TextChoices):
    DAYS = "days", "Days"
    MONTHS = "months", "Months"


class PaymentTerms(models.TextChoices):
    DUE_ON_RECEIPT = "due_on_receipt", "Due on receipt"
    NET15 = "net15", "Net 15"
    NET30 = "net30", "Net 30"
    NET45 = "net45", "Net 45"
    NET60 = "net60", "Net 60"
    NET90 = "net90", "Net 90"


class ProcessRefunds(models.TextChoices):
    USE_GLOBAL = "use_global", "Use global setting"
    YES = "yes", "Yes"
    NO = "no", "No"


class ChangeLogInvoices(models.TextChoices):
    OFF = "off", "Off"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly (on the 1st)"


DEFAULT_CHANGE_LOG_INVOICES = {
    "monthly": "off",
    "quarterly": "weekly",
    "annual": "weekly",
    "triennial": "weekly",
}


class BillingContract(AuditedModel, TimestampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    name = models.CharField(max_length=200, db_index=True)
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="contracts")
    type = models.CharField(max_length=16, choices=ContractType.choices, default=ContractType.RECURRING)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, blank=True)
    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.ADVANCE)
    prorate_unit = models.CharField(max_length=8, choices=ProrateUnit.choices, default=ProrateUnit.DAYS)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="blank: evergreen")
    auto_renew = models.BooleanField(default=False)
    renewal_term_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="blank: one billing cycle"
    )
    payment_terms = models.CharField(max_length=16, choices=PaymentTerms.choices, default=PaymentTerms.NET30)
    process_refunds = models.CharField(
        max_length=12, choices=ProcessRefunds.choices, default=ProcessRefunds.USE_GLOBAL
    )
    invoice_offset_days = models.SmallIntegerField(
        default=1, validators=[MinValueValidator(-28), MaxValueValidator(28)]
    )
    change_log_invoices = models.CharField(
        max_length=8,
        choices=ChangeLogInvoices.choices,
        blank=True,
        help_text="blank: the default for the frequency (monthly off, otherwise weekly)",
    )
    discount_percent = PercentField(
        "discount %", validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
    )
    minimum_commitment = MoneyField(validators=[MinValueValidator(Decimal("0"))])
    currency = CurrencyField()
    price_list = models.ForeignKey("catalog.PriceList", null=True, blank=True, on_delete=models.PROTECT)
    primary_billing_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_send = models.BooleanField(
        "auto-send documents",
        default=False,
        help_text="e-mail every issued document of this contract (PDF attached) to the account's "
        "billing contacts",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    terminated_on = models.DateField(null=True, blank=True)
    next_invoice_date = models.DateField(null=True, blank=True, editable=False)
    no_automatic_indexation = models.BooleanField(default=False)

    class Meta:
        ordering = ("account", "name", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(invoice_offset_days__gte=-28, invoice_offset_days__lte=28),
                name="contract_offset_range",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="contract_discount_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(type="recurring") | ~models.Q(frequency=""),
                name="recurring_contract_has_frequency",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_commitment__gte=0), name="commitment_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date is before the start date."
        if self.type == ContractType.RECURRING and not self.frequency:
            errors["frequency"] = "A recurring contract needs a billing frequency."
        if self.type == ContractType.NON_RECURRING and self.frequency:
            errors["frequency"] = "A non-recurring contract has no billing frequency."
        if self.invoice_offset_days is not None and not -28 <= self.invoice_offset_days <= 28:
            errors["invoice_offset_days"] = "The invoice offset must be between -28 and +28 days."
        if self.auto_send and self.account_id and not self._has_billing_recipient():
            errors["auto_send"] = (
                "Auto-send needs a billing contact with an e-mail address on the account "
                "(or a primary billing contact on the contract)."
            )
        if errors:
            raise ValidationError(errors)

    def _has_billing_recipient(self) -> bool:
        if self.primary_billing_contact_id and self.primary_billing_contact.email:
            return True
        return bool(self.account.billing_contacts())

    @property
    def effective_change_log_invoices(self) -> str:
        if self.type != ContractType.RECURRING:
            return ChangeLogInvoices.OFF
        return self.change_log_invoices or DEFAULT_CHANGE_LOG_INVOICES[self.frequency]

    @property
    def period_months(self) -> int:
        return FREQUENCY_MONTHS[self.frequency]

    def terms(self) -> ContractTerms:
        """The contract as the billing core sees it."""
        return ContractTerms(
            id=self.pk,
            type=self.type,
            frequency=self.frequency or None,
            policy=self.policy,
            prorate_unit=self.prorate_unit,
            start=self.start_date,
            end=self.end_date,
            auto_renew=self.auto_renew,
            currency=self.currency,
            payment_terms=self.payment_terms,
            invoice_offset_days=self.invoice_offset_days,
            process_refunds=self.process_refunds,
            change_log_invoices=self.effective_change_log_invoices,
            discount_percent=self.discount_percent,
            minimum_commitment=self.minimum_commitment,
            renewal_term_months=self.renewal_term_months,
        )


class BillingSchedule(TimestampedModel):
    """One row per contract cycle: the ledger that makes a cycle billed once, ever."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        INVOICED = "invoiced", "Invoiced"
        ERROR = "error", "Error"

    class RunType(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Manual"

    contract = models.ForeignKey(BillingContract, on_delete=models.PROTECT, related_name="schedules")
    cycle_index = models.PositiveIntegerField()
    cycle_start = models.DateField()
    cycle_end = models.DateField()
    schedule_date = models.DateField(help_text="the generation date of this cycle's invoice")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="billing_schedules"
    )
    run_type = models.CharField(max_length=10, choices=RunType.choices, blank=True)
    run_date = models.DateField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ("contract", "cycle_start")
        constraints = [
            models.UniqueConstraint(fields=["contract", "cycle_start"], name="one_schedule_per_cycle"),
            models.UniqueConstraint(fields=["contract", "cycle_index"], name="one_schedule_per_cycle_index"),
            models.CheckConstraint(
                condition=models.Q(cycle_end__gte=models.F("cycle_start")), name="schedule_cycle_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "schedule_date"])]

    def __str__(self) -> str:
        return f"{self.contract} {self.cycle_start:%Y-%m-%d}..{self.cycle_end:%Y-%m-%d}"
