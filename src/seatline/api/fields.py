# SPDX-License-Identifier: AGPL-3.0-or-later
"""Serializer fields of the API: money as text next to its currency, bounded dates, amounts
passed to the services as exact text, and references limited to the caller's accounts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from seatline.api.scoping import scope_for
from seatline.core.money import money_text

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
AMOUNT = re.compile(r"^-?\d{1,15}(\.\d{1,10})?$")


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50", "nullable": True})
class MoneyField(serializers.Field):
    """An amount as text ("12.50"; more decimals only where it has them) read with the currency
    of `currency_attr` (dotted) on the same object."""

    def __init__(self, *, currency_attr: str = "currency", **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.currency_attr = currency_attr

    def get_attribute(self, instance: Any) -> Any:
        amount = super().get_attribute(instance)
        currency: Any = instance
        for part in self.currency_attr.split("."):
            currency = getattr(currency, part)
        return amount, currency

    def to_representation(self, value: tuple[Decimal | None, str]) -> str | None:
        amount, currency = value
        return None if amount is None else money_text(amount, currency)


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50", "pattern": AMOUNT.pattern})
class AmountField(serializers.Field):
    """An amount sent as text ("12.50"); its range and decimals are the service's to judge."""

    default_error_messages = {"invalid": 'an amount as text with a dot for decimals, e.g. "12.50"'}

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        text = str(data).strip()
        if not AMOUNT.match(text):
            self.fail("invalid")
        return Decimal(text)

    def to_representation(self, value: Any) -> str:
        return str(value)


class DateField(serializers.DateField):
    """An ISO date between 1900-01-01 and 2199-12-31."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if not EARLIEST <= day <= LATEST:
            raise serializers.ValidationError(
                f"a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}", code="invalid_date"
            )
        return day


class QuantityField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 1_000_000_000)
        super().__init__(**kwargs)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to an object the caller may see (others: "does not exist")."""

    def __init__(self, *, account_path: str | None, **kwargs: Any) -> None:
        self.account_path = account_path
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Model]:
        queryset = super().get_queryset()
        if self.account_path is None:  # global data (products, providers): not account-scoped
            return queryset
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return scope_for(request.user).filter(queryset, self.account_path)

    def to_internal_value(self, data: Any) -> Model:
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        if int(data) > 2**63 - 1:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))
