# SPDX-License-Identifier: AGPL-3.0-or-later
"""The account page starts with what matters: contracts, subscriptions, open invoices, balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from seatline import clock
from seatline.documents.tests import factories
from seatline.subscriptions import services

pytestmark = pytest.mark.django_db


def test_the_account_page_shows_contracts_subscriptions_open_invoices_and_balance(
    admin_client: Client,
) -> None:
    account = factories.account()
    contract = factories.contract(account)
    invoice = factories.issued_invoice(contract)
    with clock.frozen(dt.date(2024, 2, 15)):
        services.create_subscription(
            contract=contract,
            name="Microsoft 365 E3",
            quantity=25,
            price=Decimal("36.00"),
            start_date=dt.date(2024, 2, 1),
        )
        html = admin_client.get(reverse("admin:customers_account_change", args=[account.pk])).content.decode()
    assert 'data-testid="account-overview"' in html
    assert contract.name in html
    assert "Microsoft 365 E3" in html and "25 seats" in html
    assert "$900.00" in html  # MRR: 25 x 36.00 a month
    assert str(invoice) in html and "(overdue)" in html
    assert "$1,327.15" in html  # the balance of the open invoice


def test_the_contract_page_starts_with_its_next_invoice_subscriptions_and_cycles(
    admin_client: Client,
) -> None:
    contract = factories.contract(factories.account())
    invoice = factories.issued_invoice(contract)
    with clock.frozen(dt.date(2024, 2, 15)):
        services.create_subscription(
            contract=contract,
            name="Visio Plan 2",
            quantity=3,
            price=Decimal("15.00"),
            start_date=dt.date(2024, 2, 1),
        )
        html = admin_client.get(
            reverse("admin:contracts_billingcontract_change", args=[contract.pk])
        ).content.decode()
    assert 'data-testid="contract-overview"' in html
    assert "Visio Plan 2" in html and "3 seats" in html and "$45.00" in html
    assert reverse("admin:contracts_billingcontract_do_preview", args=[contract.pk]) in html
    assert str(invoice) in html
