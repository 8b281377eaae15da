# SPDX-License-Identifier: AGPL-3.0-or-later
"""Providers (Partner Center, distributors, manual vendors), customer mappings, agreements."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.choices import SalesUnit
from seatline.common.crypto import EncryptedTextField
from seatline.common.fields import CurrencyField, MoneyField, TimestampedModel


class Provider(AuditedModel, TimestampedModel):
    class Type(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Manual"
        DO_NOTHING = "do_nothing", "Do Nothing"
        LINKED = "linked", "Linked Subscription"

    name = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    connector = models.CharField(
        max_length=50, blank=True, help_text="connector key for automatic providers, e.g. partner_center"
    )
    settings = models.JSONField(
        default=dict, blank=True, help_text="connector settings (base URL, tenant, client id); no secrets"
    )
    reminder_email = models.EmailField(blank=True, help_text="manual providers: who is reminded to act")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(type="automatic") | ~models.Q(connector=""),
                name="automatic_provider_needs_connector",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProviderAccount(AuditedModel, TimestampedModel):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="accounts")
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="provider_accounts"
    )
    provider_customer_id = models.CharField("provider-specific account id", max_length=100)
    name_at_provider = models.CharField(max_length=200, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    sync_enabled = models.BooleanField(default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("provider", "name_at_provider")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_customer_id"], name="one_mapping_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.name_at_provider or self.provider_customer_id}"


class AgreementTemplate(AuditedModel):
    class AgreementType(models.TextChoices):
        MCA = "MicrosoftCustomerAgreement", "Microsoft Customer Agreement"
        MCLOUD = "MicrosoftCloudAgreement", "Microsoft Cloud Agreement"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT)
    agreement_type = models.CharField(
        max_length=40, choices=AgreementType.choices, default=AgreementType.OTHER
    )
    template_id = models.CharField(
        max_length=100, blank=True, help_text="the provider's agreement template id"
    )
    version = models.CharField(max_length=40, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    link = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Agreement(AuditedModel, TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        INACTIVE = "inactive", "Inactive"

    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="agreements")
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="agreements")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    signed_by_name = models.CharField(max_length=200, blank=True)
    signed_by_email = models.EmailField(blank=True)
    executed_on = models.DateField(null=True, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("account", "template")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "template"],
                condition=~models.Q(status="inactive"),
                name="one_live_agreement_per_template",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(executed_on__isnull=False),
                name="accepted_agreement_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.template} ({self.get_status_display()})"


class ProviderCredential(models.Model):
    """The current refresh token of an automatic provider (it rotates on every redemption).

    Implements the connectors' `TokenStore` through `seatline.providers.credentials`. Never shown in
    the back office, never audited (the audit trail would copy the secret).
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="credentials")
    key = models.CharField(max_length=200, help_text="token store key, e.g. partner_center:<tenant>")
    refresh_token = EncryptedTextField(help_text="encrypted at rest (Fernet)")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="one_credential_per_provider_key")
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.key}"

    def __repr__(self) -> str:  # never the token
        return f"<ProviderCredential {self.pk} {self.provider_id}:{self.key}>"


class SalesOrder(AuditedModel, TimestampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FULFILLED = "fulfilled", "Fulfilled"

    class StatusReason(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"

    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="sales_orders")
    number = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.CharField(max_length=12, choices=StatusReason.choices, default=StatusReason.OPEN)
    currency = CurrencyField()
    contract = models.ForeignKey(
        "contracts.BillingContract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Order {self.number} ({self.account})"


class SalesOrderLine(AuditedModel):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField("unit selling price")
    unit_cost = MoneyField(
        "unit cost", default=Decimal(0), help_text="what the seat costs us (the price list's cost)"
    )
    currency = CurrencyField(help_text="the order's currency")
    sales_unit = models.CharField(max_length=12, choices=SalesUnit.choices, default=SalesUnit.MONTHLY)
    existing_subscription = models.ForeignKey(
        "subscriptions.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="set: the line increases this subscription; empty: a new subscription",
    )
    provider_override = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="provision on this provider instead of the product's default provider",
    )
    provisioned_subscription = models.ForeignKey(
        "subscriptions.Subscription", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("order", "id")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="order_line_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product}"
