# SPDX-License-Identifier: AGPL-3.0-or-later
"""Actions a person can trust: a reduction shows its refund before it is confirmed (changing
nothing), the effective date is never moved silently, the form's inputs are styled boxes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from seatline import clock
from seatline.documents.tests import factories
from seatline.invoicing.models import ChangeLine
from seatline.invoicing.services import generate_manual_invoice
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 3, 11)


def test_a_reduction_previews_its_credit_then_applies(admin_client: Client) -> None:
    contract = factories.contract(factories.account(), process_refunds="yes")
    with clock.frozen(TODAY):
        subscription = services.create_subscription(
            contract=contract,
            name="Microsoft 365 E3",
            quantity=10,
            price=Decimal("36.00"),
            start_date=dt.date(2024, 3, 1),
        )
        generate_manual_invoice(contract=contract, cycle_start=dt.date(2024, 3, 1))  # March is billed
        path = reverse("admin:subscriptions_subscription_do_change-quantity", args=[subscription.pk])
        page = admin_client.get(path).content.decode()
        assert 'type="date"' in page  # a visible date box
        before = (LicenseChangeLog.objects.count(), ChangeLine.objects.count())
        preview = admin_client.post(path, {"quantity": "4", "preview": "1"})
        assert preview.status_code == 200
        rows = preview.context["preview_rows"]
        assert (LicenseChangeLog.objects.count(), ChangeLine.objects.count()) == before
        subscription.refresh_from_db()
        assert subscription.quantity == 10
        applied = admin_client.post(path, {"quantity": "4", "apply": "1"})
        assert applied.status_code == 302
        lines = [line for line in ChangeLine.objects.filter(change__subscription=subscription).order_by("id")]
        assert len(rows) == len(lines) >= 1, rows
        assert rows[0][0].startswith("Credit") and rows[0][2] == "-6"
        assert [row[2] for row in rows] == [f"{line.quantity:+d}" for line in lines]


def test_an_effective_date_before_the_start_is_explained_not_moved_silently(admin_client: Client) -> None:
    contract = factories.contract(factories.account())
    with clock.frozen(TODAY):
        subscription = services.create_subscription(
            contract=contract,
            name="Visio Plan 2",
            quantity=2,
            price=Decimal("15.00"),
            start_date=dt.date(2024, 3, 20),
        )
        path = reverse("admin:subscriptions_subscription_do_change-quantity", args=[subscription.pk])
        preview = admin_client.post(path, {"quantity": "3", "preview": "1"}).content.decode()
        assert (
            "The subscription starts on 20 Mar 2024: the change takes effect then, not on 11 Mar 2024."
            in preview
        )
