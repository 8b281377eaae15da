# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reconciliations of provider invoices (docs/reconciliation.md, rules in docs/reconciliation-rules.md).

One `Reconciliation` per provider invoice, recomputed in place (a rerun replaces its groups and
line rows from stored data; `runs` counts them). A `ReconciliationGroup` is a set of Seatline
subscriptions with the provider lines matched to them and the customer invoice lines behind them;
a `ReconciledLine` is one licence (or licence credit) provider line with how it matched, or why
not (the unmapped queue). `MappingRule` rows are the users' decisions on unmapped lines, applied
to every later import of the provider.
"""

from __future__ import annotations

from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, MoneyField, TimestampedModel


class GroupStatus(models.TextChoices):
    MATCHED = "matched", "Matched"
    UNBILLED = "unbilled_seats", "Unbilled seats"
    OVERBILLED = "overbilled_seats", "Overbilled seats"
    MISSING = "missing_at_provider", "Missing at provider"
    NO_EXCHANGE_RATE = "no_exchange_rate", "No exchange rate"


class Resolution(models.TextChoices):
    OPEN = "", "Open"
    BILLED = "billed", "Missing seat-days billed"
    CREDITED = "credited", "Customer credited"
    DISMISSED = "dismissed", "Dismissed"


class LineOutcome(models.TextChoices):
    SUBSCRIPTION = "subscription", "Provider subscription id"
    RULE = "rule", "Mapping rule"
    TENANT_PRODUCT = "tenant_product", "Tenant + product"
    UNMAPPED = "", "Unmapped"
    IGNORED = "ignored", "Ignored"


class UnmappedReason(models.TextChoices):
    NONE = "", "-"
    UNKNOWN_CUSTOMER = "unknown_customer", "Unknown customer"
    UNKNOWN_PRODUCT = "unknown_product", "Unknown product"
    UNKNOWN_SUBSCRIPTION = "unknown_subscription", "Unknown subscription"


class Reconciliation(TimestampedModel):
    provider_invoice = models.OneToOneField(
        "provider_invoices.ProviderInvoice", on_delete=models.CASCADE, related_name="reconciliation"
    )
    currency = CurrencyField()
    provider_cost = MoneyField()
    revenue = MoneyField()
    margin = MoneyField()
    margin_percent = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    leakage_amount = MoneyField()
    unmapped_amount = MoneyField("money at stake in unmapped lines")
    group_count = models.PositiveIntegerField(default=0)
    unmapped_count = models.PositiveIntegerField(default=0)
    ignored_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0, help_text="how many times it was computed")

    class Meta:
        ordering = ("-provider_invoice__period_start", "-id")

    def __str__(self) -> str:
        return f"Reconciliation of {self.provider_invoice}"


class ReconciliationGroup(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="groups")
    key = models.CharField(max_length=500, help_text="the subscription ids, sorted")
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=GroupStatus.choices)
    provider_seat_days = models.IntegerField(default=0)
    billed_seat_days = models.IntegerField(default=0)
    seat_day_variance = models.IntegerField(default=0)
    provider_cost = MoneyField()
    revenue = MoneyField()
    margin = MoneyField()
    margin_percent = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    leakage_amount = MoneyField()
    price_changed_within_term = models.BooleanField(default=False)
    negative_margin = models.BooleanField(default=False)
    subscriptions = models.ManyToManyField(
        "subscriptions.Subscription", through="GroupSubscription", related_name="+"
    )
    customer_lines = models.ManyToManyField(
        "invoicing.InvoiceLine", through="GroupCustomerLine", related_name="+"
    )
    # A user's action, kept across reruns for the same subscriptions (key).
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True, default="")
    resolution_reason = models.TextField(blank=True)
    resolution_invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("reconciliation", "key")
        indexes = [models.Index(fields=["reconciliation", "status"], name="recon_group_status")]

    def __str__(self) -> str:
        return f"{self.description or self.key}: {self.get_status_display()}"

    @property
    def flags(self) -> list[str]:
        found = []
        if self.price_changed_within_term:
            found.append("price_changed_within_term")
        if self.negative_margin:
            found.append("negative_margin")
        return found


class GroupSubscription(models.Model):
    group = models.ForeignKey(ReconciliationGroup, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey("subscriptions.Subscription", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "subscription"], name="recon_group_sub_once")]


class GroupCustomerLine(models.Model):
    group = models.ForeignKey(ReconciliationGroup, on_delete=models.CASCADE, related_name="+")
    invoice_line = models.ForeignKey("invoicing.InvoiceLine", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "invoice_line"], name="recon_group_cline_once")
        ]


class ReconciledLine(models.Model):
    """One licence or licence-credit provider line of a reconciliation, or an unmapped usage line."""

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(
        "provider_invoices.ProviderInvoiceLine", on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        ReconciliationGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    outcome = models.CharField(max_length=20, choices=LineOutcome.choices, blank=True, default="")
    reason = models.CharField(max_length=20, choices=UnmappedReason.choices, blank=True, default="")
    rule = models.ForeignKey(
        "MappingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price_changed = models.BooleanField(default=False)
    amount = MoneyField("subtotal")

    class Meta:
        ordering = ("reconciliation", "line")
        indexes = [
            models.Index(
                fields=["reconciliation", "reason"],
                condition=models.Q(outcome=""),
                name="recon_line_unmapped",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.get_outcome_display()}"


class MappingRule(AuditedModel, TimestampedModel):
    """A user's mapping of an unmapped line, used by every later reconciliation of its provider:
    by provider subscription id, else by tenant + `ProductId:SkuId`; to a subscription, or to an
    account + product, or `ignore` with a reason."""

    class Action(models.TextChoices):
        MAP = "map", "Map"
        IGNORE = "ignore", "Ignore"

    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="mapping_rules")
    provider_subscription_id = models.CharField(max_length=100, blank=True)
    tenant = models.CharField("customer tenant id", max_length=100, blank=True)
    part = models.CharField("ProductId:SkuId", max_length=201, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.MAP)
    subscription = models.ForeignKey(
        "subscriptions.Subscription", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("provider", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(provider_subscription_id="")
                | (~models.Q(tenant="") & ~models.Q(part="")),
                name="mapping_rule_has_a_key",
            ),
            models.CheckConstraint(
                condition=models.Q(action="ignore")
                | models.Q(subscription__isnull=False)
                | (models.Q(account__isnull=False) & models.Q(product__isnull=False)),
                name="mapping_rule_has_a_target",
            ),
        ]

    def __str__(self) -> str:
        key = self.provider_subscription_id or f"{self.tenant} {self.part}"
        target = "ignore" if self.action == self.Action.IGNORE else str(self.subscription or self.account)
        return f"{key} -> {target}"
