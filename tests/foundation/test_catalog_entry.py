# SPDX-License-Identifier: AGPL-3.0-or-later
"""Choosing a product fills a new subscription from the catalog and the contract's price list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from seatline.catalog.models import PriceList, PriceListItem, Product
from seatline.documents.tests import factories

pytestmark = pytest.mark.django_db


def test_the_product_defaults_come_from_the_contracts_price_list_in_its_currency(
    admin_client: Client,
) -> None:
    product = Product.objects.create(name="Microsoft 365 E3", default_qrb="window", default_qrw_days=7)
    dollars = PriceList.objects.create(name="Standard USD", currency="USD", is_default=True)
    euros = PriceList.objects.create(name="Standard EUR", currency="EUR")
    PriceListItem.objects.create(
        price_list=dollars, product=product, selling_price=Decimal("36"), cost=Decimal("30.6")
    )
    PriceListItem.objects.create(
        price_list=euros, product=product, selling_price=Decimal("33.9"), cost=Decimal("28")
    )
    contract = factories.contract(factories.account(currency="EUR"))
    url = reverse("admin:subscriptions_subscription_product_defaults")
    data = admin_client.get(url, {"product": product.pk, "contract": contract.pk}).json()
    assert data == {
        "name": "Microsoft 365 E3",
        "kind": "license",
        "sales_unit": "monthly",
        "price": "33.90",
        "cost": "28.00",
        "currency": "EUR",
        "provider": None,
        "qrb": "window",
        "qrw_days": 7,
        "term_months": 12,
        "note": "price from Standard EUR (EUR)",
    }
    assert admin_client.get(url, {"product": "99999999999999999999"}).status_code == 404
    page = admin_client.get(reverse("admin:subscriptions_subscription_add")).content.decode()
    assert "seatline/product_defaults.js" in page
