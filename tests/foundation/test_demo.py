# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo tenant loads through the real services, is realistic, consistent and loads once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from seatline.catalog.models import PriceList, Product
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.customers.models import Account
from seatline.demo.data import load_demo_tenant
from seatline.invoicing.models import Invoice
from seatline.providers.models import Provider
from seatline.subscriptions.models import LicenseChangeLog, Subscription

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)


def counts() -> dict[str, int]:
    return {
        "accounts": Account.objects.count(),
        "contracts": BillingContract.objects.count(),
        "subscriptions": Subscription.objects.count(),
        "lcls": LicenseChangeLog.objects.count(),
        "invoices": Invoice.objects.count(),
    }


def test_demo_tenant_is_realistic_consistent_and_loads_once(admin_client) -> None:
    report = load_demo_tenant(today=TODAY)
    assert report.loaded
    assert Provider.objects.filter(name="Microsoft Partner Center", type="automatic").exists()
    assert Provider.objects.count() >= 3
    assert Product.objects.count() >= 40
    assert set(PriceList.objects.values_list("currency", flat=True)) == {"USD", "EUR"}
    assert Account.objects.count() == 25
    frequencies = set(BillingContract.objects.exclude(frequency="").values_list("frequency", flat=True))
    assert frequencies == {"monthly", "quarterly", "annual", "triennial"}
    assert set(BillingContract.objects.values_list("policy", flat=True)) == {"advance", "arrears"}
    assert BillingContract.objects.filter(type="non_recurring").exists()
    assert Subscription.objects.count() >= 250
    assert LicenseChangeLog.objects.exclude(kind="create").exists()
    # LCL deltas always sum to the subscription quantity.
    for subscription in Subscription.objects.annotate(total=Sum("change_logs__delta")):
        assert subscription.total == subscription.quantity, subscription
    # A year of invoices, one regular invoice per contract cycle, issued with numbers.
    assert Invoice.objects.filter(status="billed").count() > 100
    assert not Invoice.objects.filter(number__isnull=True).exclude(status="draft").exists()
    assert BillingSchedule.objects.filter(status="invoiced", invoice__isnull=False).exists()

    before = counts()
    again = load_demo_tenant(today=TODAY)
    assert not again.loaded
    assert counts() == before

    response = admin_client.get("/admin/customers/account/")
    assert response.status_code == 200
    assert b"Contoso Ltd" in response.content
    response = admin_client.get("/admin/invoicing/invoice/")
    assert response.status_code == 200
    assert b"INV-000" in response.content
