# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib import admin

from seatline.common.admin import SeatlineAdmin, SeatlineTabularInline
from seatline.taxes.models import CountryAlias, TaxCategory, TaxRate, TaxRateGroup


class TaxRateInline(SeatlineTabularInline):
    model = TaxRate
    fields = ("position", "name", "percent")


@admin.register(TaxRateGroup)
class TaxRateGroupAdmin(SeatlineAdmin):
    list_display = ("name", "country", "region", "rates_summary")
    list_filter = ("country",)
    search_fields = ("name", "country", "region")
    inlines = (TaxRateInline,)

    def rates_summary(self, obj: TaxRateGroup) -> str:
        return ", ".join(str(rate) for rate in obj.rates.all())


@admin.register(TaxCategory)
class TaxCategoryAdmin(SeatlineAdmin):
    list_display = ("name", "exempt")
    list_filter = ("exempt",)
    search_fields = ("name",)


@admin.register(CountryAlias)
class CountryAliasAdmin(SeatlineAdmin):
    list_display = ("alias", "country")
    search_fields = ("alias", "country")


@admin.register(TaxRate)
class TaxRateAdmin(SeatlineAdmin):
    list_display = ("name", "group", "percent", "position")
    list_filter = ("group__country",)
    search_fields = ("name", "group__name")
