# SPDX-License-Identifier: AGPL-3.0-or-later
"""`Idempotency-Key`: the same key and body replay the stored response; another body is a 422."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rest_framework.test import APIClient

from seatline import clock
from seatline.api.models import IdempotencyRecord
from seatline.api.tests.conftest import Tenant
from seatline.customers.models import Account
from seatline.subscriptions.models import LicenseChangeLog


def post(client: APIClient, path: str, body: dict, key: str) -> object:
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_replay_the_first_response(tenant: Tenant, admin_client_api: APIClient) -> None:
    path = f"/api/v1/subscriptions/{tenant.sub.pk}/change-quantity/"
    first = post(admin_client_api, path, {"quantity": 12}, "order-42")
    assert first.status_code == 200
    changes = LicenseChangeLog.objects.filter(subscription=tenant.sub).count()
    # the same body with other spacing and key order is the same request
    again = admin_client_api.post(
        path, '{ "quantity" :12 }', content_type="application/json", HTTP_IDEMPOTENCY_KEY="order-42"
    )
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert LicenseChangeLog.objects.filter(subscription=tenant.sub).count() == changes


def test_a_created_resource_is_replayed_with_its_location(
    tenant: Tenant, admin_client_api: APIClient
) -> None:
    first = post(admin_client_api, "/api/v1/accounts/", {"name": "Litware"}, "create-litware")
    again = post(admin_client_api, "/api/v1/accounts/", {"name": "Litware"}, "create-litware")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Location"] == first["Location"] == f"/api/v1/accounts/{first.json()['id']}/"
    assert Account.objects.filter(name="Litware").count() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(
    tenant: Tenant, admin_client_api: APIClient
) -> None:
    path = f"/api/v1/subscriptions/{tenant.sub.pk}/change-quantity/"
    assert post(admin_client_api, path, {"quantity": 12}, "k-1").status_code == 200
    response = post(admin_client_api, path, {"quantity": 13}, "k-1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["field"] == "Idempotency-Key"
    tenant.sub.refresh_from_db()
    assert tenant.sub.quantity == 12
    other_path = f"/api/v1/subscriptions/{tenant.locked_sub.pk}/change-quantity/"
    assert post(admin_client_api, other_path, {"quantity": 12}, "k-1").status_code == 422


def test_a_refusal_is_replayed_too(tenant: Tenant, admin_client_api: APIClient) -> None:
    path = f"/api/v1/subscriptions/{tenant.locked_sub.pk}/change-quantity/"
    first = post(admin_client_api, path, {"quantity": 1}, "reduce")
    again = post(admin_client_api, path, {"quantity": 1}, "reduce")
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.content == first.content
    assert again["Content-Type"] == "application/problem+json"


def test_keys_belong_to_their_user_and_expire_after_24_hours(
    tenant: Tenant, client_for: Callable[..., APIClient]
) -> None:
    alice, bob = client_for("Billing administrator"), client_for("Billing manager")
    assert post(alice, "/api/v1/accounts/", {"name": "A"}, "shared").status_code == 201
    assert post(bob, "/api/v1/accounts/", {"name": "B"}, "shared").status_code == 201  # bob's own key
    assert set(Account.objects.filter(name__in=["A", "B"]).values_list("name", flat=True)) == {"A", "B"}
    with clock.frozen(clock.now() + dt.timedelta(hours=24, seconds=1)):
        again = post(alice, "/api/v1/accounts/", {"name": "A2"}, "shared")
    assert again.status_code == 201  # the old key expired: a new request
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


def test_an_invalid_key_is_a_400(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = post(admin_client_api, "/api/v1/accounts/", {"name": "A"}, "has space")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Account.objects.filter(name="A").exists()


def test_a_server_error_keeps_no_key(tenant: Tenant, admin_client_api: APIClient, monkeypatch) -> None:
    from seatline.customers import services

    def broken(**kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "create_account", broken)
    assert post(admin_client_api, "/api/v1/accounts/", {"name": "A"}, "retry-me").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="retry-me").exists()
    monkeypatch.undo()
    assert post(admin_client_api, "/api/v1/accounts/", {"name": "A"}, "retry-me").status_code == 201
