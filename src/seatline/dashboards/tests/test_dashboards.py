# SPDX-License-Identifier: AGPL-3.0-or-later
"""The back-office home: billing administrator, manager and payments dashboards."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.test import Client

from seatline.api.tests.conftest import TODAY, Tenant, client_for, tenant, today  # noqa: F401 (fixtures)
from seatline.configuration.roles import ensure_roles
from seatline.dashboards import selectors
from seatline.subscriptions.services import change_quantity


def test_billing_figures(tenant: Tenant) -> None:  # noqa: F811
    figures = selectors.billing_figures(TODAY)
    assert figures.drafts == 1
    assert [(m.amount, m.currency) for m in figures.draft_totals] == [(Decimal("50.00"), "USD")]
    # Contoso's January invoice (360.00, due 2018-02-01) is overdue; Fabrikam's is partly paid
    assert figures.overdue == 2
    assert figures.due == 0
    assert figures.failed_jobs == 1
    assert (figures.provisioning_failed, figures.unmapped_lines) == (0, 0)


def test_manager_figures(tenant: Tenant) -> None:  # noqa: F811
    change_quantity(subscription=tenant.sub, quantity=8, effective=TODAY)
    figures = selectors.manager_figures(TODAY)
    # active, non-usage subscriptions: 8 x 12 + 5 x 12 + 3 x 12 (monthly), the suspended one not counted
    assert [(m.amount, m.currency) for m in figures.mrr] == [(Decimal("192.00"), "USD")]
    assert [(m.amount, m.currency) for m in figures.arr] == [(Decimal("2304.00"), "USD")]
    assert figures.months[-1] == dt.date(2018, 2, 1) and len(figures.months) == 12
    january = tenant.invoice.total + tenant.other_invoice.total  # both issued in January
    assert january == Decimal("648.00")
    assert figures.revenue_by_month["USD"] == [Decimal("0.00")] * 10 + [january, Decimal("0.00")]
    assert figures.seats_by_product[0] == ("Microsoft 365 E3", 8)
    assert figures.churned_seats == 2 + 2  # the decrease and the deactivated Visio Plan 2
    assert [(name, money.amount) for name, money in figures.top_customers] == [
        ("Contoso", tenant.invoice.total),
        ("Fabrikam", tenant.other_invoice.total),
    ]


def test_payment_counts(tenant: Tenant) -> None:  # noqa: F811
    assert selectors.payment_counts() == {"failed": 0, "pending": 0, "succeeded": 1, "refunded": 0}


def test_the_home_renders_the_dashboards_with_charts(tenant: Tenant, admin_client: Client) -> None:  # noqa: F811
    page = admin_client.get("/admin/")
    text = page.content.decode()
    assert page.status_code == 200
    for anchor in ("dashboard-billing", "dashboard-manager", "dashboard-payments"):
        assert anchor in text
    assert text.count('class="chart"') == 4
    assert "/static/unfold/js/chart/chart.js" in text and "cdn" not in text.lower()
    revenue = json.loads(page.context["dashboard"]["revenue_chart"])
    assert revenue["datasets"][0]["label"] == "USD"
    assert "Site administration" in text or "app-list" in text or "Customers" in text  # the app list stays


def test_panels_follow_the_permissions(tenant: Tenant) -> None:  # noqa: F811
    ensure_roles()
    nobody = User.objects.create_user("nobody", is_staff=True)
    client = Client()
    client.force_login(nobody)
    assert "dashboard-billing" not in client.get("/admin/").content.decode()
    reader = User.objects.create_user("reader", is_staff=True)
    reader.groups.add(Group.objects.get(name="Read-only"))
    client.force_login(reader)
    assert "dashboard-manager" in client.get("/admin/").content.decode()
