# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions of the provider flows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from seatline.catalog.models import Product
from seatline.providers.models import (
    Agreement,
    AgreementTemplate,
    Provider,
    ProviderAccount,
    SalesOrder,
    SalesOrderLine,
)
from seatline.providers.tests.simulator import Sim, customer_account, monthly_contract, partner_center
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog

pytestmark = pytest.mark.django_db


def action(model: str, name: str, pk: int) -> str:
    app = (
        "customers" if model == "account" else "subscriptions" if model == "licensechangelog" else "providers"
    )
    return reverse(f"admin:{app}_{model}_do_{name}", args=[pk])


def test_onboard_verify_sync_and_agreements_from_the_back_office(admin_client, sim: Sim) -> None:
    provider = partner_center(sim.url)
    AgreementTemplate.objects.filter(agreement_type="MicrosoftCustomerAgreement").update(provider=provider)
    account, contact = customer_account()

    url = action("account", "onboard", account.pk)
    assert admin_client.get(url).status_code == 200
    form = {"provider": provider.pk, "domain": "fabrikam", "contact": contact.pk, "accept_mca": "on"}
    response = admin_client.post(url, {**form, "check": "1"})
    assert b"fabrikam is available at Microsoft Partner Center" in response.content
    response = admin_client.post(url, {**form, "apply": "1"})
    assert response.status_code == 200
    assert (
        b"Customer fabrikam.onmicrosoft.com created at Microsoft Partner Center and mapped."
        in response.content
    )
    assert b"The MCA acceptance is confirmed at the provider and recorded." in response.content
    (mapping,) = ProviderAccount.objects.all()
    assert Agreement.objects.get(account=account).status == "accepted"
    response = admin_client.post(url, {**form, "apply": "1"})
    assert (
        b"fabrikam.onmicrosoft.com is already taken at Microsoft Partner Center (domain_taken)"
        in response.content
    )

    response = admin_client.post(action("provider", "verify", provider.pk), {"apply": "1"}, follow=True)
    assert b"connected, credentials accepted (1 customer(s) visible)" in response.content
    response = admin_client.post(
        action("provider", "sync-accounts", provider.pk), {"apply": "1"}, follow=True
    )
    assert b"Provider accounts synced: 0 new, 0 updated" in response.content
    contract = monthly_contract(account)
    url = action("provideraccount", "sync-subscriptions", mapping.pk)
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"contract": contract.pk, "apply": "1"})
    assert b"0 imported, 0 refreshed" in response.content
    template = AgreementTemplate.objects.get(agreement_type="MicrosoftCustomerAgreement")
    response = admin_client.post(
        action("agreementtemplate", "create-agreements", template.pk), {"apply": "1"}, follow=True
    )
    assert b"0 pending agreement(s) created." in response.content


def test_mark_provisioned_and_provision_order_from_the_back_office(admin_client) -> None:
    account, _ = customer_account()
    manual = Provider.objects.create(
        name="Vendor portal", type="manual", reminder_email="ops@partner.example"
    )
    contract = monthly_contract(account, start=dt.date(2026, 1, 1))
    subscription = services.create_subscription(
        contract=contract,
        name="Backup",
        quantity=3,
        price=Decimal(2),
        start_date=dt.date(2026, 1, 1),
        provider=manual,
    )
    services.change_quantity(subscription=subscription, quantity=5, effective=dt.date(2026, 2, 1))
    first, second = LicenseChangeLog.objects.order_by("id")

    response = admin_client.get(
        reverse("admin:subscriptions_licensechangelog_changelist"), {"provisioning_status__exact": "awaiting"}
    )
    assert response.status_code == 200
    url = action("licensechangelog", "mark-provisioned", first.pk)
    response = admin_client.post(url, {"message": "portal order 7", "apply": "1"}, follow=True)
    assert b"Change log marked provisioned." in response.content
    response = admin_client.post(
        reverse("admin:subscriptions_licensechangelog_changelist"),
        {"action": "mark_provisioned_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert b"1 change log(s) marked provisioned." in response.content
    assert b"is Provisioned: nothing to mark" in response.content
    first.refresh_from_db()
    assert first.provisioning_message == "portal order 7"

    product = Product.objects.create(name="Backup", default_provider=manual)
    order = SalesOrder.objects.create(account=account, number="SO-7")
    SalesOrderLine.objects.create(order=order, product=product, quantity=2, unit_price=Decimal(2))
    url = action("salesorder", "provision", order.pk)
    assert b"Backup" in admin_client.get(url).content
    response = admin_client.post(
        url,
        {
            "contract": contract.pk,
            "frequency": "monthly",
            "policy": "advance",
            "payment_terms": "net30",
            "process_refunds": "use_global",
            "apply": "1",
        },
        follow=True,
    )
    assert b"Order SO-7 provisioned into" in response.content
    order.refresh_from_db()
    assert (order.status, order.contract) == ("fulfilled", contract)
