# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib import admin

from seatline.catalog.models import Bundle, BundleItem, Manufacturer, PriceList, PriceListItem, Product
from seatline.common.admin import SeatlineAdmin, SeatlineTabularInline


@admin.register(Manufacturer)
class ManufacturerAdmin(SeatlineAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class PriceListItemInline(SeatlineTabularInline):
    model = PriceListItem
    fields = ("price_list", "sales_unit", "selling_price", "cost")


@admin.register(Product)
class ProductAdmin(SeatlineAdmin):
    list_display = (
        "name",
        "kind",
        "part_number",
        "manufacturer",
        "default_provider",
        "default_qrb",
        "active",
    )
    list_filter = ("kind", "active", "default_qrb", "manufacturer", "default_provider")
    search_fields = ("name", "part_number")
    autocomplete_fields = ("manufacturer", "tax_category")
    inlines = (PriceListItemInline,)


class PriceListItemListInline(SeatlineTabularInline):
    model = PriceListItem
    fields = ("product", "sales_unit", "selling_price", "cost")
    autocomplete_fields = ("product",)


@admin.register(PriceList)
class PriceListAdmin(SeatlineAdmin):
    list_display = ("name", "currency", "is_default")
    list_filter = ("currency",)
    search_fields = ("name",)
    inlines = (PriceListItemListInline,)


@admin.register(PriceListItem)
class PriceListItemAdmin(SeatlineAdmin):
    list_display = ("product", "price_list", "sales_unit", "selling_price", "cost")
    list_filter = ("price_list", "sales_unit")
    search_fields = ("product__name", "product__part_number")
    autocomplete_fields = ("product",)


class BundleItemInline(SeatlineTabularInline):
    model = BundleItem
    fields = ("product", "default_quantity", "billable")
    autocomplete_fields = ("product",)


@admin.register(Bundle)
class BundleAdmin(SeatlineAdmin):
    list_display = ("name", "product", "published")
    search_fields = ("name",)
    inlines = (BundleItemInline,)


@admin.register(BundleItem)
class BundleItemAdmin(SeatlineAdmin):
    list_display = ("bundle", "product", "default_quantity", "billable")
    list_filter = ("bundle", "billable")
    search_fields = ("bundle__name", "product__name")
    autocomplete_fields = ("product",)
