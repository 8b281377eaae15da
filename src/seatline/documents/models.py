# SPDX-License-Identifier: AGPL-3.0-or-later
"""The letterhead (company profile) and the stored PDF of every issued document.

Why a `DocumentFile` row beside the invoice rather than two more columns on `Invoice`: an issued
invoice is an immutable snapshot (`invoicing.models.MUTABLE_AFTER_ISSUE`), and its PDF is made
after it was issued, by a job, in another layer. A one-to-one row written once (unique per
invoice) keeps the invoicing model and its immutability rule untouched, makes "rendered exactly
once" a database constraint, and lets the documents app carry what rendering needs (hash,
size, pages, language, storage name) without migrating the invoice table of a large tenant.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import TimestampedModel

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = ("PNG", "JPEG", "GIF")


def validate_logo(file: Any) -> None:
    """A PNG, JPEG or GIF image of at most 2 MB (checked by opening it, not by its name)."""
    from PIL import Image, UnidentifiedImageError

    if file.size > LOGO_MAX_BYTES:
        raise ValidationError("The logo must be at most 2 MB.", code="logo_too_large")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError("The logo is not an image Seatline can read.", code="invalid_logo") from exc
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
    if kind not in LOGO_FORMATS:
        raise ValidationError(
            f"The logo must be a PNG, JPEG or GIF image (this one is {kind}).", code="invalid_logo"
        )


class CompanyProfile(AuditedModel, TimestampedModel):
    """The partner's letterhead on every document (one row, pk=1).

    The legal name, address and tax id are the seller fields of the global Configuration (each
    invoice keeps a copy of them from the day it was made); the back office edits them on the
    same page as this profile.
    """

    logo = models.FileField(
        upload_to="letterhead/",
        blank=True,
        validators=[validate_logo],
        help_text="PNG, JPEG or GIF, at most 2 MB; printed top left at most 45 x 20 mm",
    )
    registration_id = models.CharField(
        "registration id", max_length=100, blank=True, help_text="company register number"
    )
    email = models.EmailField("billing e-mail", blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True)
    bank_name = models.CharField(max_length=200, blank=True)
    bank_account_holder = models.CharField(max_length=200, blank=True)
    iban = models.CharField("IBAN / account number", max_length=64, blank=True)
    bic = models.CharField("BIC / SWIFT", max_length=20, blank=True)
    bank_details = models.TextField(
        "other bank details", blank=True, help_text="e.g. a routing number or a second account"
    )
    payment_instructions = models.TextField(
        blank=True, help_text="printed under the totals of invoices, above the bank details"
    )
    invoice_notes = models.TextField(
        blank=True, help_text="printed in the Notes of every document (e.g. a legal statement)"
    )
    footer_text = models.TextField(blank=True, help_text="small print at the bottom of every page")

    class Meta:
        verbose_name = "company profile (letterhead)"
        verbose_name_plural = "company profile (letterhead)"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="company_profile_singleton")]

    def __str__(self) -> str:
        return "Company profile"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def get(cls) -> CompanyProfile:
        profile = cls.objects.filter(pk=1).first()
        return profile if profile is not None else cls(pk=1)


class DocumentFile(models.Model):
    """The stored PDF of one issued document, written once and never replaced."""

    invoice = models.OneToOneField(
        "invoicing.Invoice", on_delete=models.PROTECT, related_name="document_file"
    )
    file = models.FileField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField(help_text="bytes")
    pages = models.PositiveIntegerField()
    language = models.CharField(max_length=35, help_text="the account language it was rendered in")
    rendered_at = models.DateTimeField()
    renderer = models.CharField(max_length=40, help_text="layout version that made it")

    class Meta:
        ordering = ("-rendered_at", "-id")
        verbose_name = "document PDF"
        verbose_name_plural = "document PDFs"

    def __str__(self) -> str:
        return f"{self.invoice} ({self.sha256[:12]})"

    @property
    def filename(self) -> str:
        return f"{self.invoice.number or f'draft-{self.invoice_id}'}.pdf"
