# SPDX-License-Identifier: AGPL-3.0-or-later
"""Catalog-driven entry of a subscription: choosing a product fills its name, price (the
contract's price list in the contract's currency), cost, unit, kind, provider and reduction rules;
every filled value stays editable. A small JSON endpoint the add form calls (product_defaults.js)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path

from seatline.catalog.models import PriceList, PriceListItem, Product
from seatline.contracts.models import BillingContract


def _price_list(contract: BillingContract | None) -> PriceList | None:
    """The contract's price list when it is in the contract's currency, else the default one in it."""
    if contract is None:
        return PriceList.objects.filter(is_default=True).order_by("id").first()
    if contract.price_list_id and contract.price_list.currency == contract.currency:
        return contract.price_list
    lists = PriceList.objects.filter(currency=contract.currency)
    return lists.filter(is_default=True).order_by("id").first() or lists.order_by("id").first()


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 18 else None


def product_defaults(
    *, product: Product, contract: BillingContract | None, sales_unit: str | None
) -> dict[str, Any]:
    """What a subscription of `product` on `contract` starts from (JSON-ready: money as text)."""
    unit = sales_unit or product.default_sales_unit
    price_list = _price_list(contract)
    items = PriceListItem.objects.filter(price_list=price_list, product=product) if price_list else None
    item = None
    if items is not None:
        item = items.filter(sales_unit=unit).first() or items.order_by("id").first()
        if item is not None:
            unit = item.sales_unit
    kind = product.kind if product.kind in ("license", "service", "usage") else "license"
    note = (
        f"price from {price_list}"
        if item is not None
        else f"{product.name} has no price in {price_list or 'any price list'}"
        + (f" ({contract.currency})" if contract is not None else "")
        + ": type the price"
    )
    return {
        "name": product.name,
        "kind": kind,
        "sales_unit": unit,
        "price": str(item.selling_price.quantize(Decimal("0.01"))) if item is not None else None,
        "cost": str(item.cost.quantize(Decimal("0.01"))) if item is not None else None,
        "currency": contract.currency
        if contract is not None
        else (price_list.currency if price_list else None),
        "provider": product.default_provider_id,
        "qrb": product.default_qrb,
        "qrw_days": product.default_qrw_days,
        "term_months": product.default_term_months,
        "note": note,
    }


class ProductDefaultsMixin:
    """`<admin>/subscriptions/subscription/product-defaults/?product=&contract=&sales_unit=`."""

    class Media:
        js = ("seatline/product_defaults.js",)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.product_defaults_view)  # type: ignore[attr-defined]
        return [
            path("product-defaults/", view, name="subscriptions_subscription_product_defaults"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def product_defaults_view(self, request: HttpRequest) -> JsonResponse:
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            return JsonResponse({"error": "not allowed"}, status=403)
        product = Product.objects.filter(pk=_int(request.GET.get("product"))).first()
        if product is None:
            return JsonResponse({"error": "choose a product"}, status=404)
        contract = BillingContract.objects.filter(pk=_int(request.GET.get("contract"))).first()
        return JsonResponse(
            product_defaults(product=product, contract=contract, sales_unit=request.GET.get("sales_unit"))
        )
