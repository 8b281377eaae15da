# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every error is an RFC 9457 problem with Seatline's code and field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from seatline.api.tests.conftest import Tenant
from seatline.api.throttling import TokenRateThrottle
from seatline.api.views.customers import AccountViewSet

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "field"}


def problem(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert (body["status"], body["code"], body["field"], body["type"]) == (
        status,
        code,
        field,
        f"/api/problems/{code}",
    )
    assert body["title"] and body["detail"]
    return body


def test_validation_errors_list_each_field(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.post(
        "/api/v1/contacts/", {"account": tenant.account.pk, "email": "not-an-email"}, format="json"
    )
    body = problem(response, 400, "invalid_input", "first_name")
    assert body["errors"] == [
        {"field": "first_name", "code": "required", "detail": "This field is required."},
        {"field": "last_name", "code": "required", "detail": "This field is required."},
        {"field": "email", "code": "invalid", "detail": "Enter a valid email address."},
    ]
    assert body["detail"] == "first_name: This field is required. (and 2 more)"


def test_a_service_refusal_keeps_its_code_and_field(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.post(
        "/api/v1/accounts/", {"name": "Litware", "currency": "XXQ"}, format="json"
    )
    body = problem(response, 422, "invalid_currency", "currency")
    assert body["detail"] == "'XXQ' is not an ISO 4217 currency code"


def test_401_403_404_405_406_415(tenant: Tenant, client_for: Callable[..., APIClient]) -> None:
    problem(APIClient().get("/api/v1/invoices/"), 401, "not_authenticated")
    problem(
        client_for("Read-only").post("/api/v1/accounts/", {"name": "X"}, format="json"), 403, "role_forbidden"
    )
    client = client_for("Billing administrator")
    problem(client.get("/api/v1/invoices/999999/"), 404, "not_found")
    problem(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    problem(client.get("/api/v1/invoices/99999999999999999999999/"), 404, "not_found")
    response = client.delete(f"/api/v1/accounts/{tenant.account.pk}/")
    problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, PATCH, HEAD"
    problem(client.get("/api/v1/accounts/", HTTP_ACCEPT="text/html"), 406, "not_acceptable")
    response = client.post("/api/v1/accounts/", "name=X", content_type="application/x-www-form-urlencoded")
    problem(response, 415, "unsupported_media_type")
    problem(
        client.post("/api/v1/accounts/", "{not json", content_type="application/json"),
        400,
        "malformed_request",
    )


def test_429_says_when_to_retry(
    tenant: Tenant, admin_client_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "2/minute", "api_anonymous": "2/minute"})
    from django.core.cache import cache

    cache.clear()
    assert admin_client_api.get("/api/v1/accounts/").status_code == 200
    assert admin_client_api.get("/api/v1/accounts/").status_code == 200
    response = admin_client_api.get("/api/v1/accounts/")
    problem(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    cache.clear()


def test_an_unexpected_error_is_a_500_problem_and_logged(
    tenant: Tenant,
    admin_client_api: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(AccountViewSet, "list", broken)
    body = problem(admin_client_api.get("/api/v1/accounts/"), 500, "server_error")
    assert "kaboom" not in body["detail"]
    assert "kaboom" in caplog.text


def test_problem_types_are_documented(tenant: Tenant) -> None:
    client = APIClient()
    listing = client.get("/api/problems/").json()
    codes = {entry["code"] for entry in listing["problem_types"]}
    assert {"qrb_violation", "invalid_input", "idempotency_key_reused", "throttled"} <= codes
    assert client.get("/api/problems/qrb_violation").json() == {
        "type": "/api/problems/qrb_violation",
        "code": "qrb_violation",
        "status": 409,
        "title": "Quantity reduction not allowed",
    }
    assert client.get("/api/problems/nope").status_code == 404
