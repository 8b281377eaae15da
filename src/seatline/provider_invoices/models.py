# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provider invoices (the partner's cost side), their lines, mapping templates and sync settings.

A provider invoice is `populating` while it is read, then `active` (usable by usage billing and
reconciliation) or `error` (a message, an errors CSV; nothing of it is usable). A user may
deactivate an active one (`inactive`); importing the same number again replaces an `error` or
`inactive` one (`replaced_at` / `replaced_by`); the number is unique per provider among the
invoices not replaced.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, MoneyField, TimestampedModel


def LineAmount(verbose_name: str | None = None, **kwargs: Any) -> models.DecimalField:
    """An amount or quantity of a provider line as written (10 decimals: EUP 5.806452, Ion 10-digit)."""
    kwargs.setdefault("max_digits", 28)
    kwargs.setdefault("decimal_places", 10)
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, **kwargs)


class LineKind(models.TextChoices):
    LICENSE = "license", "License"
    USAGE = "usage", "Usage"
    ONE_TIME = "one_time", "One-time"
    CREDIT = "credit", "Credit"


class InvoiceState(models.TextChoices):
    POPULATING = "populating", "Populating"
    ACTIVE = "active", "Active"
    ERROR = "error", "Error"
    INACTIVE = "inactive", "Deactivated"


class Source(models.TextChoices):
    API_V1 = "api_v1", "Partner Center API v1"
    GRAPH_V2 = "graph_v2", "Graph v2 export"
    FILE = "file", "File"
    PAX8 = "pax8_api", "Pax8 API"


class Match(models.TextChoices):
    NONE = "", "Unmapped"
    SUBSCRIPTION = "subscription", "Provider subscription id"
    TENANT_PRODUCT = "tenant_product", "Tenant + product"


class ProviderInvoiceSettings(AuditedModel, TimestampedModel):
    """Provider invoice settings of one provider (Work 365's integration settings)."""

    class SyncSource(models.TextChoices):
        API_V1 = "api_v1", "Partner Center API v1 (line items)"
        GRAPH_V2 = "graph_v2", "Graph v2 asynchronous export"

    provider = models.OneToOneField(
        "providers.Provider", on_delete=models.CASCADE, related_name="invoice_settings"
    )
    usage_mismatch_tolerance = MoneyField(
        validators=[MinValueValidator(Decimal("0"))],
        help_text="an invoice whose checksum difference is within this amount is accepted",
    )
    currency = CurrencyField(help_text="the tolerance's currency (other currencies: tolerance 0)")
    sync_enabled = models.BooleanField("daily sync", default=True)
    sync_source = models.CharField(max_length=10, choices=SyncSource.choices, default=SyncSource.GRAPH_V2)
    notification_emails = models.TextField(
        blank=True, help_text="who receives the daily sync e-mail (comma or newline separated)"
    )

    class Meta:
        verbose_name = "provider invoice settings"
        verbose_name_plural = "provider invoice settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(usage_mismatch_tolerance__gte=0), name="tolerance_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"Invoice settings of {self.provider}"

    @property
    def recipients(self) -> list[str]:
        parts = self.notification_emails.replace("\n", ",").replace(";", ",").split(",")
        return [part.strip() for part in parts if part.strip()]


class MappingTemplate(AuditedModel, TimestampedModel):
    """How the columns of a provider's file map onto provider invoice line fields."""

    class Kind(models.TextChoices):
        AUTO = "auto", "From charge type and sign"
        LICENSE = "license", "Licence lines"
        USAGE = "usage", "Usage lines"

    key = models.SlugField(max_length=60, unique=True, help_text="used by the import command and scenarios")
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AUTO)
    columns = models.JSONField(default=dict, help_text='{"seatline field": "provider column name", ...}')
    date_formats = models.CharField(
        max_length=200,
        blank=True,
        help_text="strptime formats tried after ISO 8601, comma separated (e.g. %m/%d/%Y)",
    )
    description = models.TextField(blank=True)
    shipped = models.BooleanField(default=False, editable=False, help_text="installed by Seatline")

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from seatline.provider_invoices.templates import template_problems

        problems = template_problems(self.columns, self.date_formats)
        if problems:
            raise ValidationError({"columns": problems})


class ProviderInvoice(AuditedModel, TimestampedModel):
    class DocumentType(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"
        OTHER = "other", "Other note"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="provider_invoices"
    )
    number = models.CharField(max_length=60)
    document_type = models.CharField(
        max_length=12, choices=DocumentType.choices, default=DocumentType.INVOICE
    )
    amends_number = models.CharField("amends", max_length=60, blank=True)
    invoice_date = models.DateField(null=True, blank=True)
    period_start = models.DateField("billing period start")
    period_end = models.DateField("billing period end")
    currency = CurrencyField()
    total = MoneyField("header total (tax included)")
    tax = MoneyField("header tax")
    state = models.CharField(max_length=12, choices=InvoiceState.choices, default=InvoiceState.POPULATING)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    errors_csv = models.TextField(blank=True, help_text="row,column,problem")
    warnings_csv = models.TextField(blank=True, help_text="row,column,problem")
    difference = MoneyField("checksum difference", null=True, blank=True, default=None)
    provider_tolerance = MoneyField("provider tolerance")
    override_tolerance = MoneyField(null=True, blank=True, default=None)
    tolerance = MoneyField("tolerance used")
    source = models.CharField(max_length=10, choices=Source.choices)
    template = models.ForeignKey(
        MappingTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    file_name = models.CharField(max_length=255, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of what was imported")
    raw_columns = models.JSONField(default=list, blank=True, help_text="the file's header row")
    line_count = models.PositiveIntegerField(default=0)
    usage_line_count = models.PositiveIntegerField(default=0)
    unmapped_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.CharField(max_length=150, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta:
        ordering = ("-period_start", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "number"],
                condition=models.Q(replaced_at__isnull=True),
                name="one_live_provider_invoice_per_number",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="provider_invoice_period_order",
            ),
        ]
        indexes = [models.Index(fields=["provider", "state"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.number}"

    @property
    def is_active(self) -> bool:
        return self.state == InvoiceState.ACTIVE


class ProviderInvoiceLine(models.Model):
    """One provider line: the parsed fields of docs/reconciliation-rules.md 1 and the raw row as read."""

    # Indexes are kept few and partial: a million-line COPY pays for each one (see Meta).
    invoice = models.ForeignKey(
        ProviderInvoice, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    row_number = models.PositiveIntegerField(help_text="file: spreadsheet row (header = 1); API: position")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    customer_tenant_id = models.CharField(max_length=100, blank=True)
    customer_name = models.CharField(max_length=300, blank=True)
    provider_subscription_id = models.CharField(max_length=100, blank=True)
    product_id = models.CharField(max_length=100, blank=True)
    sku_id = models.CharField(max_length=100, blank=True)
    product_name = models.CharField(max_length=300, blank=True)
    sku_name = models.CharField(max_length=300, blank=True)
    charge_type = models.CharField(max_length=60, blank=True)
    unit_price = LineAmount()
    effective_unit_price = LineAmount()
    quantity = LineAmount()
    billable_quantity = LineAmount()
    subtotal = LineAmount("subtotal (pre-tax)")
    tax = LineAmount()
    total = LineAmount()
    charge_start = models.DateField(null=True, blank=True)
    charge_end = models.DateField(null=True, blank=True)
    usage_date = models.DateField(null=True, blank=True)
    term_and_billing_cycle = models.CharField(max_length=200, blank=True)
    billing_frequency = models.CharField(max_length=40, blank=True)
    reference_id = models.CharField(max_length=100, blank=True)
    meter_name = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    exchange_rate = LineAmount(null=True, blank=True, default=None)
    match = models.CharField(max_length=20, choices=Match.choices, blank=True, default="")
    subscription = models.ForeignKey(
        "subscriptions.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    usage_record = models.ForeignKey(
        "subscriptions.UsageRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider_lines",
        db_index=False,
    )
    raw = models.TextField(help_text="the row as read: JSON (a list of cells, or the API's object)")

    class Meta:
        ordering = ("invoice", "row_number")
        indexes = [
            models.Index(fields=["invoice", "row_number"], name="pi_line_invoice_row"),
            models.Index(fields=["invoice"], condition=models.Q(kind="usage"), name="pi_line_usage"),
            models.Index(
                fields=["provider_subscription_id"],
                condition=models.Q(kind="usage", subscription__isnull=True),
                name="pi_line_unmapped_usage",
            ),
            models.Index(
                fields=["subscription"], condition=models.Q(subscription__isnull=False), name="pi_line_sub"
            ),
            models.Index(
                fields=["usage_record"],
                condition=models.Q(usage_record__isnull=False),
                name="pi_line_usage_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice.number} row {self.row_number}"

    def raw_fields(self) -> dict[str, Any]:
        """The raw row as column -> value (a file row zipped with the invoice's header)."""
        value = json.loads(self.raw) if self.raw else {}
        if isinstance(value, list):
            columns = self.invoice.raw_columns or [f"column {n}" for n in range(1, len(value) + 1)]
            return dict(zip(columns, value, strict=False))
        return value if isinstance(value, dict) else {"raw": value}
