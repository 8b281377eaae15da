# SPDX-License-Identifier: AGPL-3.0-or-later
"""The product catalog: manufacturers, products, price lists, bundles."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.choices import ReductionBehaviour, SalesUnit
from seatline.common.fields import CurrencyField, MoneyField, TimestampedModel


class Manufacturer(AuditedModel):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Product(AuditedModel, TimestampedModel):
    class Kind(models.TextChoices):
        LICENSE = "license", "License"
        SERVICE = "service", "Service"
        USAGE = "usage", "Usage"
        NON_RECURRING = "non_recurring", "Non-recurring"

    name = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LICENSE)
    part_number = models.CharField(
        "provider part number",
        max_length=100,
        blank=True,
        db_index=True,
        help_text="Partner Center: ProductId:SkuId for NCE offers",
    )
    manufacturer = models.ForeignKey(Manufacturer, null=True, blank=True, on_delete=models.PROTECT)
    default_provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    tax_category = models.ForeignKey("taxes.TaxCategory", null=True, blank=True, on_delete=models.PROTECT)
    default_sales_unit = models.CharField(max_length=12, choices=SalesUnit.choices, default=SalesUnit.MONTHLY)
    default_qrb = models.CharField(
        "default quantity reduction behaviour",
        max_length=12,
        choices=ReductionBehaviour.choices,
        default=ReductionBehaviour.ALLOWED,
    )
    default_qrw_days = models.PositiveSmallIntegerField(
        "default reduction window (days)", null=True, blank=True
    )
    default_term_months = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(default_qrb="window") | models.Q(default_qrw_days__gte=1),
                name="product_window_needs_days",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceList(AuditedModel):
    name = models.CharField(max_length=100, unique=True)
    currency = CurrencyField()
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListItem(AuditedModel):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_list_items")
    sales_unit = models.CharField(max_length=12, choices=SalesUnit.choices, default=SalesUnit.MONTHLY)
    selling_price = MoneyField(validators=[MinValueValidator(Decimal("0"))])
    cost = MoneyField(validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ("price_list", "product", "sales_unit")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "sales_unit"], name="one_price_per_unit"
            ),
            models.CheckConstraint(condition=models.Q(selling_price__gte=0), name="price_not_negative"),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} / {self.sales_unit}: {self.selling_price} {self.price_list.currency}"


class Bundle(AuditedModel):
    name = models.CharField(max_length=200, unique=True)
    product = models.OneToOneField(
        Product, null=True, blank=True, on_delete=models.PROTECT, help_text="the parent product billed"
    )
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class BundleItem(AuditedModel):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    default_quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    billable = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bundle", "product"], name="bundle_product_once")]

    def __str__(self) -> str:
        return f"{self.bundle}: {self.default_quantity} x {self.product}"


__all__ = ["Bundle", "BundleItem", "Manufacturer", "PriceList", "PriceListItem", "Product"]
