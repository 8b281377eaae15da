# SPDX-License-Identifier: AGPL-3.0-or-later
"""Products and price lists (read-only: the catalog is kept in the back office)."""

from __future__ import annotations

from rest_framework import serializers

from seatline.api.fields import MoneyField
from seatline.catalog.models import PriceList, PriceListItem, Product


class ProductSerializer(serializers.ModelSerializer):
    manufacturer = serializers.CharField(source="manufacturer.name", read_only=True, allow_null=True)

    class Meta:
        model = Product
        fields = (
            "id",
            "name",
            "kind",
            "part_number",
            "manufacturer",
            "default_provider",
            "tax_category",
            "default_sales_unit",
            "default_qrb",
            "default_qrw_days",
            "default_term_months",
            "active",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class PriceListItemSerializer(serializers.ModelSerializer):
    selling_price = MoneyField(currency_attr="price_list.currency")
    cost = MoneyField(currency_attr="price_list.currency")
    currency = serializers.CharField(source="price_list.currency", read_only=True)

    class Meta:
        model = PriceListItem
        fields = ("id", "product", "sales_unit", "selling_price", "cost", "currency")
        read_only_fields = fields


class PriceListSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceList
        fields = ("id", "name", "currency", "is_default")
        read_only_fields = fields


class PriceListDetailSerializer(PriceListSerializer):
    items = PriceListItemSerializer(many=True, read_only=True)

    class Meta(PriceListSerializer.Meta):
        fields = (*PriceListSerializer.Meta.fields, "items")
        read_only_fields = fields
