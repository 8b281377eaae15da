# SPDX-License-Identifier: AGPL-3.0-or-later
"""Customers: accounts and their contacts."""

from __future__ import annotations

import contextlib

from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import CurrencyField, TimestampedModel
from seatline.common.languages import DEFAULT_LANGUAGE, normalize_language_tag, validate_language_tag


class Account(AuditedModel, TimestampedModel):
    name = models.CharField(max_length=200, db_index=True)
    email_domain = models.CharField(max_length=253, blank=True, help_text="used to match provider customers")
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=100, blank=True, help_text="ISO code, English name or a configured alias"
    )
    region = models.CharField(max_length=100, blank=True, help_text="state / province code")
    tax_exempt = models.BooleanField(default=False)
    credit_hold = models.BooleanField(
        default=False, help_text="blocks provisioning while the global credit-hold switch is on"
    )
    dunning_hold = models.BooleanField(
        default=False,
        editable=False,
        help_text="credit hold set by dunning after an invoice's last failed charge (docs/billing.md 12)",
    )
    currency = CurrencyField()
    language = models.CharField(
        max_length=35,
        default=DEFAULT_LANGUAGE,
        validators=[validate_language_tag],
        help_text="BCP 47 tag (e.g. en-US, de-DE): the language of its documents and e-mails, "
        "and how their numbers, dates and amounts are written",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.language:
            with contextlib.suppress(ValueError):  # the field's validator reports it
                self.language = normalize_language_tag(self.language)

    def billing_contacts(self) -> list[Contact]:
        """Contacts with the Billing role and an e-mail address, the primary one first."""
        return [
            contact
            for contact in self.contacts.filter(role=Contact.Role.BILLING).order_by("-is_primary", "id")
            if contact.email
        ]

    @property
    def primary_contact(self) -> Contact | None:
        return self.contacts.filter(is_primary=True).first() or self.contacts.first()

    def address_lines(self) -> list[str]:
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        parts = [self.address_line1, self.address_line2, city_line, self.region, self.country]
        return [part for part in parts if part]


class Contact(AuditedModel, TimestampedModel):
    class Role(models.TextChoices):
        BILLING = "billing", "Billing"
        TECHNICAL = "technical", "Technical"
        OTHER = "other", "Other"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.BILLING)
    is_primary = models.BooleanField("primary billing contact", default=False)

    class Meta:
        ordering = ("account", "-is_primary", "last_name")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_primary=True),
                name="one_primary_contact_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"
