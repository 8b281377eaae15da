# SPDX-License-Identifier: AGPL-3.0-or-later
"""Tax categories, rate groups (per country and region) and country aliases."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel


def validate_country_code(value: str) -> None:
    import pycountry

    if pycountry.countries.get(alpha_2=value.upper()) is None:
        raise ValidationError(f"{value!r} is not an ISO 3166 alpha-2 country code", code="invalid_country")


class TaxCategory(AuditedModel):
    name = models.CharField(max_length=100, unique=True)
    exempt = models.BooleanField(default=False, help_text="products of an exempt category get no tax")

    class Meta:
        verbose_name_plural = "tax categories"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class TaxRateGroup(AuditedModel):
    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=2, validators=[validate_country_code], help_text="ISO alpha-2")
    region = models.CharField(max_length=100, blank=True, help_text="blank: the whole country")

    class Meta:
        ordering = ("country", "region", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "region"], name="one_tax_rate_group_per_country_region"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.country = self.country.upper()
        super().save(*args, **kwargs)


class TaxRate(AuditedModel):
    group = models.ForeignKey(TaxRateGroup, on_delete=models.CASCADE, related_name="rates")
    name = models.CharField(max_length=100)
    percent = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("group", "position", "id")

    def __str__(self) -> str:
        return f"{self.name} {self.percent.normalize()}%"


class CountryAlias(AuditedModel):
    alias = models.CharField(max_length=100, unique=True, help_text="matched case-insensitively")
    country = models.CharField(max_length=2, validators=[validate_country_code])

    class Meta:
        verbose_name_plural = "country aliases"
        ordering = ("country", "alias")

    def __str__(self) -> str:
        return f"{self.alias} -> {self.country}"
