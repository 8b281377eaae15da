# SPDX-License-Identifier: AGPL-3.0-or-later
"""Cursor pagination, filters, ordering, and the account scope (the portal's hook)."""

from __future__ import annotations

from rest_framework.test import APIClient

from seatline.api import scoping
from seatline.api.tests.conftest import Tenant
from seatline.customers.models import Account


def test_cursor_pages_walk_every_row_once(tenant: Tenant, admin_client_api: APIClient) -> None:
    for index in range(5):
        Account.objects.create(name=f"Paged {index}")
    seen: list[int] = []
    url = "/api/v1/accounts/?page_size=2"
    pages = 0
    while url:
        body = admin_client_api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert seen == sorted(Account.objects.values_list("id", flat=True))
    assert pages == 4  # 7 accounts, 2 a page
    back = admin_client_api.get("/api/v1/accounts/?page_size=2").json()
    second = admin_client_api.get(back["next"]).json()
    assert admin_client_api.get(second["previous"]).json()["results"] == back["results"]


def test_bad_cursor_and_page_size_are_400(tenant: Tenant, admin_client_api: APIClient) -> None:
    for query, field in (
        ("cursor=zzz", "cursor"),
        ("cursor=cD1hYmM%3D", "cursor"),
        ("page_size=0", "page_size"),
        ("page_size=500", "page_size"),
    ):
        response = admin_client_api.get(f"/api/v1/accounts/?{query}")
        assert response.status_code == 400, query
        assert (response.json()["code"], response.json()["field"]) == ("invalid_input", field)


def test_filters_and_ordering(tenant: Tenant, admin_client_api: APIClient) -> None:
    def names(query: str) -> list[str]:
        return [
            row["name"] for row in admin_client_api.get(f"/api/v1/subscriptions/?{query}").json()["results"]
        ]

    assert names(f"account={tenant.account.pk}&ordering=name") == [
        "Microsoft 365 E3",
        "Teams Rooms",
        "Visio Plan 2",
    ]
    assert names("status=suspended") == ["Visio Plan 2"]
    assert names(f"account={tenant.other_account.pk}") == ["Fabrikam E5"]
    assert names("ordering=-quantity&status=active")[0] == "Microsoft 365 E3"
    invoices = admin_client_api.get("/api/v1/invoices/?status=draft").json()["results"]
    assert [row["id"] for row in invoices] == [tenant.draft.pk]
    dated = admin_client_api.get("/api/v1/invoices/?invoice_date_after=2018-02-01").json()["results"]
    assert [row["id"] for row in dated] == [tenant.draft.pk]
    bad = admin_client_api.get("/api/v1/subscriptions/?status=nope")
    assert (bad.status_code, bad.json()["field"]) == (400, "status")
    huge = admin_client_api.get("/api/v1/subscriptions/?account=99999999999999999999999")
    assert (huge.status_code, huge.json()["field"]) == (400, "account")


def test_a_scoped_caller_sees_only_its_accounts(tenant: Tenant, admin_client_api: APIClient) -> None:
    """What the portal will register: a user limited to one account gets 404 for the others."""
    mine = tenant.account.pk
    with scoping.resolving("test", lambda user: scoping.Scope.only([mine])):
        accounts = admin_client_api.get("/api/v1/accounts/").json()["results"]
        assert [row["id"] for row in accounts] == [mine]
        for path in (
            f"/api/v1/accounts/{tenant.other_account.pk}/",
            f"/api/v1/contracts/{tenant.other_contract.pk}/",
            f"/api/v1/subscriptions/{tenant.other_sub.pk}/",
            f"/api/v1/invoices/{tenant.other_invoice.pk}/",
            f"/api/v1/payments/{tenant.payment.pk}/",
            f"/api/v1/jobs/{tenant.job.pk}/",
        ):
            response = admin_client_api.get(path)
            assert response.status_code == 404, path
            assert "Fabrikam" not in response.content.decode()
        change = admin_client_api.post(
            f"/api/v1/subscriptions/{tenant.other_sub.pk}/change-quantity/", {"quantity": 9}, format="json"
        )
        assert change.status_code == 404
        paid = admin_client_api.post(
            "/api/v1/payments/", {"invoice": tenant.other_invoice.pk, "amount": "1.00"}, format="json"
        )
        assert (paid.status_code, paid.json()["field"]) == (400, "invoice")
        assert admin_client_api.get("/api/v1/invoices/").json()["results"][0]["account"] == mine
        assert {row["account"] for row in admin_client_api.get("/api/v1/invoices/").json()["results"]} == {
            mine
        }
    assert len(admin_client_api.get("/api/v1/accounts/").json()["results"]) == 2
