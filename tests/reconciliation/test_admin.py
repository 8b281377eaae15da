# SPDX-License-Identifier: AGPL-3.0-or-later
"""The reconciliation back office: the page per provider invoice, the group drill-down, the
unmapped queue's bulk actions and the group actions through the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from seatline import clock
from seatline.reconciliation.models import MappingRule, ReconciledLine
from tests.reconciliation.support import group, reconciliation, scenario

pytestmark = pytest.mark.django_db
FEB10 = dt.date(2024, 2, 10)


def test_the_reconciliation_page_shows_totals_groups_and_the_unmapped_queue(admin_client: Client) -> None:
    scenario("49-")
    recon = reconciliation("G000490001")
    page = admin_client.get(
        reverse("admin:reconciliation_reconciliation_change", args=[recon.pk])
    ).content.decode()
    assert "unknown_customer" in page and "15.00" in page and "68.00" in page
    assert "status__exact=matched" in page
    csv = admin_client.get(reverse("admin:reconciliation_reconciliation_csv", args=[recon.pk, "unmapped"]))
    assert csv.content.decode().splitlines()[1].startswith("G000490001,3,unknown_customer,")
    bb = group("G000490001", "Microsoft 365 Business Basic")
    detail = admin_client.get(
        reverse("admin:reconciliation_reconciliationgroup_change", args=[bb.pk])
    ).content
    assert b"row 2" in detail and b"cycleCharge" in detail


def test_bulk_ignore_from_the_queue(admin_client: Client) -> None:
    scenario("49-")
    recon = reconciliation("G000490001")
    pks = [
        str(pk)
        for pk in ReconciledLine.objects.filter(reconciliation=recon, outcome="").values_list("pk", flat=True)
    ]
    changelist = reverse("admin:reconciliation_reconciledline_changelist")
    refused = admin_client.post(
        changelist, {"action": "ignore_selected", "_selected_action": pks, "apply": "1"}
    )
    assert "reason_required" in refused.content.decode()
    with clock.frozen(FEB10):
        admin_client.post(
            changelist,
            {"action": "ignore_selected", "_selected_action": pks, "apply": "1", "reason": "test tenant"},
        )
    assert MappingRule.objects.filter(action="ignore").count() == 3
    assert reconciliation("G000490001").unmapped_count == 0


def test_billing_and_crediting_from_the_group_page_rerun_to_matched(admin_client: Client) -> None:
    scenario("47-")
    leaking = group("G000470001", "Microsoft 365 Business Basic")
    path = reverse("admin:reconciliation_reconciliationgroup_do_bill-missing", args=[leaking.pk])
    assert admin_client.get(path).status_code == 200
    with clock.frozen(FEB10):
        response = admin_client.post(path, {"apply": "1"})
    assert response.status_code == 302
    assert group("G000470001", "Microsoft 365 Business Basic").status == "matched"


def test_reports_by_customer_product_and_month_with_csv(admin_client: Client) -> None:
    scenario("52-")
    page = admin_client.get(reverse("admin:reconciliation_reconciliation_open_reports"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "By customer" in text and "By month" in text and "Contoso" in text
    csv = admin_client.get(
        reverse("admin:reconciliation_reconciliation_open_reports") + "?by=month&format=csv"
    )
    assert csv.content.decode().splitlines() == [
        "month,currency,provider_cost,revenue,margin,margin_percent,leakage_amount,groups,unbilled_groups",
        "2024-01,USD,185.54,240.00,54.46,22.69,3.55,2,1",
    ]
    by_product = admin_client.get(
        reverse("admin:reconciliation_reconciliation_open_reports") + "?by=product&format=csv"
    )
    assert (
        by_product.content.decode()
        .splitlines()[1]
        .startswith("Microsoft 365 E3,USD,132.00,180.00,48.00,26.67,")
    )
