# SPDX-License-Identifier: AGPL-3.0-or-later
"""Field helpers shared by the domain apps: money, currency, percentages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seatline import clock


def validate_currency(value: str) -> None:
    from babel.numbers import list_currencies

    if value not in list_currencies():
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code", code="invalid_currency")


def MoneyField(verbose_name: str | None = None, **kwargs: Any) -> models.DecimalField:
    """An amount: 19 digits, 4 decimals (unit prices keep 4; line amounts are already rounded)."""
    kwargs.setdefault("max_digits", 19)
    kwargs.setdefault("decimal_places", 4)
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, **kwargs)


def CurrencyField(verbose_name: str | None = "currency", **kwargs: Any) -> models.CharField:
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("default", "USD")
    kwargs.setdefault("validators", [validate_currency])
    return models.CharField(verbose_name, **kwargs)


def PercentField(verbose_name: str | None = None, **kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("max_digits", 9)
    kwargs.setdefault("decimal_places", 4)
    kwargs.setdefault("default", Decimal("0"))
    kwargs.setdefault("validators", [MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("1000"))])
    return models.DecimalField(verbose_name, **kwargs)


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(editable=False)
    updated_at = models.DateTimeField(editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        stamp = clock.now()
        if self.created_at is None:
            self.created_at = stamp
        self.updated_at = stamp
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)
