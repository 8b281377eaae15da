# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invoices, their lines and taxes, the gapless number series, and the change lines.

An issued invoice (status other than draft) is an immutable snapshot: its lines, amounts and the
seller/buyer details copied onto it never change; only its payment status and balance move.
Corrections are credit notes.

A change line (docs/billing.md 6) is computed when its change is recorded and never revised: it is
pending until a document carries it, then the invoice line it became points to it
(`InvoiceLine.change_line`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, MoneyField, PercentField, TimestampedModel


class InvoiceKind(models.TextChoices):
    REGULAR = "regular", "Regular"
    CHANGE_LOG = "change_log", "Change log"
    MANUAL = "manual", "Manual"
    CREDIT_NOTE = "credit_note", "Credit note"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    BILLED = "billed", "Billed"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    OVERDUE = "overdue", "Overdue"
    VOID = "void", "Void"


# Issued and not fully paid: what a customer still owes (overdue ones included).
OPEN_STATUSES = (InvoiceStatus.BILLED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.OVERDUE)


class Series(models.TextChoices):
    INVOICE = "invoice", "Invoices"
    CREDIT_NOTE = "credit_note", "Credit notes"


MUTABLE_AFTER_ISSUE = frozenset({"status", "balance", "updated_at"})


class ImmutableInvoiceError(ValidationError):
    pass


class NumberSequence(models.Model):
    """The last number handed out per series; locked row by row to stay gapless."""

    series = models.CharField(max_length=20, choices=Series.choices, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_number}"


class Invoice(AuditedModel, TimestampedModel):
    contract = models.ForeignKey(
        "contracts.BillingContract", on_delete=models.PROTECT, related_name="invoices"
    )
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices)
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    series = models.CharField(max_length=20, choices=Series.choices, default=Series.INVOICE)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    number = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    currency = CurrencyField()
    generated_on = models.DateField()
    invoice_date = models.DateField()
    due_date = models.DateField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    subtotal = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    balance = MoneyField()
    credited_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    # Snapshots taken when the document is created (issued invoices never change).
    seller_name = models.CharField(max_length=200, blank=True)
    seller_address = models.TextField(blank=True)
    seller_tax_id = models.CharField(max_length=64, blank=True)
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_address = models.TextField(blank=True)
    buyer_country = models.CharField(max_length=100, blank=True)
    buyer_region = models.CharField(max_length=100, blank=True)
    buyer_tax_exempt = models.BooleanField(default=False)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-generated_on", "-id")
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="gapless_number_per_series"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(sequence__isnull=False),
                name="issued_invoice_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "generated_on"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.get_kind_display().lower()} #{self.pk}"

    @property
    def is_issued(self) -> bool:
        return self.status != InvoiceStatus.DRAFT

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_audit_loaded", None)
        if loaded is not None and loaded.get("status") not in (None, InvoiceStatus.DRAFT):
            changed = {name for name, value in self._audit_values().items() if loaded.get(name) != value}
            frozen = changed - MUTABLE_AFTER_ISSUE
            if frozen:
                raise ImmutableInvoiceError(
                    f"invoice {self.number} is issued and cannot be edited (fields: {', '.join(sorted(frozen))}); "
                    "issue a credit note instead"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_issued:
            raise ImmutableInvoiceError(f"invoice {self.number} is issued and cannot be deleted")
        return super().delete(*args, **kwargs)


class ImmutableChangeLineError(ValidationError):
    pass


class ChangeLine(models.Model):
    """A line of one change for the invoiced days it affects, fixed when the change was recorded.

    Pending while no invoice line points to it; the contract's next change-log or regular
    invoice carries it unchanged. It belongs to the billed record from the moment it exists
    (until the invoice line it became is on a voided invoice).
    """

    class Type(models.TextChoices):
        PRORATION = "proration", "Proration"
        CREDIT = "credit", "Credit"

    contract = models.ForeignKey(
        "contracts.BillingContract", on_delete=models.PROTECT, related_name="change_lines"
    )
    subscription = models.ForeignKey(
        "subscriptions.Subscription", on_delete=models.PROTECT, related_name="change_lines"
    )
    change = models.ForeignKey(
        "subscriptions.LicenseChangeLog",
        on_delete=models.PROTECT,
        related_name="change_lines",
        help_text="the change log whose recording computed this line",
    )
    type = models.CharField(max_length=12, choices=Type.choices)
    description = models.CharField(max_length=300)
    quantity = models.IntegerField(help_text="the signed difference (credits negative)")
    unit_price = MoneyField()
    unit_months = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    amount = MoneyField()
    discount = MoneyField()
    currency = CurrencyField()
    taxable = models.BooleanField(default=True)
    tax_category = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ("contract", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="change_line_period_order"
            ),
            models.CheckConstraint(
                condition=models.Q(type="proration", quantity__gt=0)
                | models.Q(type="credit", quantity__lt=0),
                name="change_line_sign_follows_type",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_type_display()} {self.quantity:+d} {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d}: "
            f"{self.amount} {self.currency}"
        )

    @property
    def net(self) -> Decimal:
        return self.amount - self.discount

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableChangeLineError("a change line is never revised: record a new change instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableChangeLineError("a change line is never deleted: record a new change instead")


class InvoiceLine(models.Model):
    class Type(models.TextChoices):
        RECURRING = "recurring", "Recurring"
        PRORATION = "proration", "Proration"
        CREDIT = "credit", "Credit"
        NRI = "nri", "Non-recurring item"
        USAGE = "usage", "Usage"
        MINIMUM_COMMITMENT = "minimum_commitment", "Minimum commitment"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=20, choices=Type.choices)
    subscription = models.ForeignKey(
        "subscriptions.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    nri = models.ForeignKey(
        "subscriptions.NonRecurringItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    usage = models.ForeignKey(
        "subscriptions.UsageRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    change_line = models.OneToOneField(
        ChangeLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_line",
        help_text="the change line this line puts on the document",
    )
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = MoneyField()
    unit_months = models.PositiveSmallIntegerField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    amount = MoneyField()
    discount = MoneyField()
    net = MoneyField()
    taxable = models.BooleanField(default=True)
    tax_category = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ("invoice", "position", "id")
        indexes = [models.Index(fields=["subscription", "period_start"])]

    def __str__(self) -> str:
        return f"{self.description}: {self.net}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.invoice_id and Invoice.objects.filter(pk=self.invoice_id).exclude(status="draft").exists():
            raise ImmutableInvoiceError("lines of an issued invoice cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.invoice.is_issued:
            raise ImmutableInvoiceError("lines of an issued invoice cannot be deleted")
        return super().delete(*args, **kwargs)


class InvoiceTax(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="taxes")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    percent = PercentField()
    amount = MoneyField()

    class Meta:
        ordering = ("invoice", "position")
        verbose_name_plural = "invoice taxes"

    def __str__(self) -> str:
        return f"{self.name} {self.percent.normalize()}%: {self.amount}"


class InvoiceRun(TimestampedModel):
    """One invoicing run (Work 365's Invoicing Run report): what was considered, billed, skipped, failed."""

    class Mode(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Manual"

    class InvoiceType(models.TextChoices):
        REGULAR = "regular", "Regular"
        CHANGE_LOG = "change_log", "Change log"

    run_date = models.DateField(db_index=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.AUTOMATIC)
    invoice_type = models.CharField(max_length=12, choices=InvoiceType.choices, default=InvoiceType.REGULAR)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-run_date", "-id")
        indexes = [models.Index(fields=["run_date", "invoice_type"])]

    def __str__(self) -> str:
        return f"{self.get_invoice_type_display()} run {self.run_date:%Y-%m-%d} ({self.get_mode_display().lower()})"


class InvoiceRunItem(models.Model):
    class Status(models.TextChoices):
        INVOICED = "invoiced", "Invoiced"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="items")
    contract = models.ForeignKey("contracts.BillingContract", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.TextField(blank=True, help_text="why skipped, or the error of a failure")
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("run", "contract")
        constraints = [
            models.UniqueConstraint(fields=["run", "contract"], name="one_item_per_contract_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_status_display()}"
