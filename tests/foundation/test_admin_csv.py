# SPDX-License-Identifier: AGPL-3.0-or-later
"""'Export selected as CSV' on every back-office list: the list's columns, as shown, for the
selected rows only; reading needs only the view permission and changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client

from seatline.customers.models import Account
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def _export(client: Client, pks: list[int]) -> list[list[str]]:
    response = client.post(
        "/admin/customers/account/", {"action": "export_csv", "_selected_action": [str(pk) for pk in pks]}
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="customers-account.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_list_offers_the_csv_export() -> None:
    assert all(
        "export_csv" in dict(admin.site.actions) or "export_csv" in (model_admin.actions or ())
        for model_admin in admin.site._registry.values()
    )


def test_selected_rows_export_with_the_list_columns(admin_client: Client) -> None:
    first = make_account(name="Contoso <Ltd>")
    make_account(name="Fabrikam")
    rows = _export(admin_client, [first.pk])
    display = admin.site._registry[Account].get_list_display(None)  # type: ignore[arg-type]
    assert len(rows) == 2 and len(rows[0]) == len([c for c in display if c != "action_checkbox"])
    assert "Contoso <Ltd>" in rows[1] and all("Fabrikam" not in cell for cell in rows[1])
    assert Account.objects.count() == 2


def test_a_read_only_user_may_export(client: Client) -> None:
    account = make_account(name="Northwind")
    user = User.objects.create_user("reader", password="pw-reader-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Read-only"))
    client.force_login(user)
    assert "Northwind" in _export(client, [account.pk])[1]
