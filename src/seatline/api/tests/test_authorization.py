# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who may call what: every operation of the schema, for anonymous callers, each security role,
a user without a role, a read-scoped token, a revoked and an expired token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from seatline import clock
from seatline.api.models import ApiToken
from seatline.api.services import create_token, revoke_token
from seatline.api.tests.conftest import Tenant
from seatline.invoicing import pdfs

ADMIN, MANAGER, SALES, READ_ONLY = "Billing administrator", "Billing manager", "Sales", "Read-only"
EVERYONE = frozenset({ADMIN, MANAGER, SALES, READ_ONLY})
CUSTOMER_EDITORS = frozenset({ADMIN, MANAGER, SALES})
BILLING = frozenset({ADMIN, MANAGER})


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    method: str
    path: Callable[[Tenant], str]
    allowed: frozenset[str]
    success: int
    body: Callable[[Tenant], dict[str, Any]] | None = None

    @property
    def writes(self) -> bool:
        return self.method != "get"


def _read(name: str, collection: str, obj: Callable[[Tenant], Any]) -> list[Endpoint]:
    return [
        Endpoint(f"{name}_list", "get", lambda t: f"/api/v1/{collection}/", EVERYONE, 200),
        Endpoint(f"{name}_retrieve", "get", lambda t: f"/api/v1/{collection}/{obj(t).pk}/", EVERYONE, 200),
    ]


ENDPOINTS: list[Endpoint] = [
    *_read("accounts", "accounts", lambda t: t.account),
    Endpoint(
        "accounts_create",
        "post",
        lambda t: "/api/v1/accounts/",
        CUSTOMER_EDITORS,
        201,
        lambda t: {"name": "Litware"},
    ),
    Endpoint(
        "accounts_partial_update",
        "patch",
        lambda t: f"/api/v1/accounts/{t.account.pk}/",
        CUSTOMER_EDITORS,
        200,
        lambda t: {"city": "Redmond"},
    ),
    *_read("contacts", "contacts", lambda t: t.contact),
    Endpoint(
        "contacts_create",
        "post",
        lambda t: "/api/v1/contacts/",
        CUSTOMER_EDITORS,
        201,
        lambda t: {
            "account": t.account.pk,
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@contoso.test",
        },
    ),
    Endpoint(
        "contacts_partial_update",
        "patch",
        lambda t: f"/api/v1/contacts/{t.contact.pk}/",
        CUSTOMER_EDITORS,
        200,
        lambda t: {"phone": "+1 555 0100"},
    ),
    *_read("contracts", "contracts", lambda t: t.contract),
    Endpoint(
        "contracts_create",
        "post",
        lambda t: "/api/v1/contracts/",
        CUSTOMER_EDITORS,
        201,
        lambda t: {
            "account": t.account.pk,
            "name": "Contoso EA",
            "start_date": "2018-03-01",
            "frequency": "annual",
        },
    ),
    Endpoint(
        "contracts_partial_update",
        "patch",
        lambda t: f"/api/v1/contracts/{t.contract.pk}/",
        CUSTOMER_EDITORS,
        200,
        lambda t: {"name": "Contoso CSP (renamed)"},
    ),
    *_read("billing_schedules", "billing-schedules", lambda t: t.contract.schedules.first()),
    *_read("subscriptions", "subscriptions", lambda t: t.sub),
    Endpoint(
        "subscriptions_create",
        "post",
        lambda t: "/api/v1/subscriptions/",
        CUSTOMER_EDITORS,
        201,
        lambda t: {
            "contract": t.contract.pk,
            "name": "Project Plan 3",
            "quantity": 4,
            "price": "25.00",
            "start_date": "2018-02-10",
        },
    ),
    Endpoint(
        "subscriptions_change_quantity_create",
        "post",
        lambda t: f"/api/v1/subscriptions/{t.sub.pk}/change-quantity/",
        CUSTOMER_EDITORS,
        200,
        lambda t: {"quantity": 11},
    ),
    Endpoint(
        "subscriptions_deactivate_create",
        "post",
        lambda t: f"/api/v1/subscriptions/{t.sub.pk}/deactivate/",
        CUSTOMER_EDITORS,
        200,
        lambda t: {"refund": True},
    ),
    Endpoint(
        "subscriptions_activate_create",
        "post",
        lambda t: f"/api/v1/subscriptions/{t.suspended_sub.pk}/activate/",
        CUSTOMER_EDITORS,
        200,
        lambda t: {},
    ),
    Endpoint(
        "subscriptions_schedule_change_create",
        "post",
        lambda t: f"/api/v1/subscriptions/{t.sub.pk}/schedule-change/",
        CUSTOMER_EDITORS,
        201,
        lambda t: {"effective": "2018-05-01", "quantity": 20},
    ),
    *_read("license_change_logs", "license-change-logs", lambda t: t.sub.change_logs.first()),
    *_read("scheduled_changes", "scheduled-changes", lambda t: t.scheduled),
    *_read("products", "products", lambda t: t.product),
    *_read("price_lists", "price-lists", lambda t: t.price_list),
    *_read("invoices", "invoices", lambda t: t.invoice),
    Endpoint(
        "invoices_pdf_retrieve", "get", lambda t: f"/api/v1/invoices/{t.invoice.pk}/pdf/", EVERYONE, 200
    ),
    Endpoint(
        "invoices_issue_create",
        "post",
        lambda t: f"/api/v1/invoices/{t.draft.pk}/issue/",
        BILLING,
        200,
        lambda t: {},
    ),
    Endpoint(
        "invoices_credit_note_create",
        "post",
        lambda t: f"/api/v1/invoices/{t.invoice.pk}/credit-note/",
        BILLING,
        201,
        lambda t: {"reason": "wrong seats"},
    ),
    *_read("payments", "payments", lambda t: t.payment),
    Endpoint(
        "payments_create",
        "post",
        lambda t: "/api/v1/payments/",
        BILLING,
        201,
        lambda t: {"invoice": t.invoice.pk, "amount": "100.00"},
    ),
    *_read("jobs", "jobs", lambda t: t.job),
    Endpoint(
        "jobs_retry_create", "post", lambda t: f"/api/v1/jobs/{t.job.pk}/retry/", BILLING, 200, lambda t: {}
    ),
    Endpoint(
        "jobs_cancel_create",
        "post",
        lambda t: f"/api/v1/jobs/{t.waiting_job.pk}/cancel/",
        BILLING,
        200,
        lambda t: {},
    ),
]
WRITES = [e for e in ENDPOINTS if e.writes]
ROLES = (ADMIN, MANAGER, SALES, READ_ONLY)


def call(client: APIClient, endpoint: Endpoint, tenant: Tenant) -> Any:
    body = endpoint.body(tenant) if endpoint.body else None
    return getattr(client, endpoint.method)(endpoint.path(tenant), body, format="json")


@pytest.fixture(autouse=True)
def _pdf_source() -> Any:
    with pdfs.source_override(
        lambda invoice: pdfs.PdfFile(filename=f"{invoice.number}.pdf", content=b"%PDF-1.7 test")
    ):
        yield


def test_the_table_covers_every_operation_of_the_schema(tenant: Tenant, admin_client_api: APIClient) -> None:
    schema = admin_client_api.get("/api/schema/?format=json").json()
    operations = {
        operation["operationId"]
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert operations == {endpoint.operation_id for endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_anonymous_callers_get_401(tenant: Tenant, endpoint: Endpoint) -> None:
    response = call(APIClient(), endpoint, tenant)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="seatline"'
    assert response.json()["code"] == "not_authenticated"


def rolled_back(client: APIClient, endpoint: Endpoint, tenant: Tenant) -> Any:
    """The response to one call whose changes are then undone (the next caller sees the same state)."""
    with transaction.atomic():
        response = call(client, endpoint, tenant)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_each_role_gets_exactly_its_rights(
    tenant: Tenant, client_for: Callable[..., APIClient], endpoint: Endpoint
) -> None:
    outcomes = {}
    for role in ROLES:
        response = rolled_back(client_for(role), endpoint, tenant)
        outcomes[role] = (
            response.status_code,
            response.json().get("code") if response.status_code >= 400 else None,
        )
    expected = {
        role: (endpoint.success, None) if role in endpoint.allowed else (403, "role_forbidden")
        for role in ROLES
    }
    assert outcomes == expected
    # no role at all: nothing; a superuser: everything
    assert rolled_back(client_for(None), endpoint, tenant).status_code == 403
    assert rolled_back(client_for(None, superuser=True), endpoint, tenant).status_code == endpoint.success
    if endpoint.writes:  # a read-scoped token of an administrator cannot write
        response = rolled_back(client_for(ADMIN, scope=ApiToken.Scope.READ), endpoint, tenant)
        assert (response.status_code, response.json()["code"]) == (403, "token_read_only")


def test_a_read_scoped_token_reads(tenant: Tenant, client_for: Callable[..., APIClient]) -> None:
    client = client_for(READ_ONLY, scope=ApiToken.Scope.READ)
    assert client.get("/api/v1/invoices/").status_code == 200


@pytest.mark.parametrize("endpoint", [ENDPOINTS[0], WRITES[0]], ids=lambda e: e.operation_id)
def test_revoked_and_expired_tokens_are_refused(
    tenant: Tenant, client_for: Callable[..., APIClient], endpoint: Endpoint
) -> None:
    client = client_for(ADMIN)
    assert call(client, endpoint, tenant).status_code == endpoint.success
    revoke_token(token=client.token)
    response = call(client, endpoint, tenant)
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"

    expiring = create_token(
        user=client.user, name="short", scope="read_write", expires_at=clock.now() + dt.timedelta(hours=1)
    )
    later = APIClient()
    later.credentials(HTTP_AUTHORIZATION=f"Bearer {expiring.secret}")
    with clock.frozen(clock.now() + dt.timedelta(hours=2)):
        response = call(later, endpoint, tenant)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_an_unknown_or_malformed_token_is_refused(tenant: Tenant) -> None:
    for header in ("Bearer sl_00000000_nope", "Bearer", "Bearer a b", "Bearer not-ours"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/accounts/")
        assert response.status_code == 401, header
        assert response.json()["code"] == "invalid_token"


def test_the_session_of_the_back_office_works_too(
    tenant: Tenant, client_for: Callable[..., APIClient]
) -> None:
    user = client_for(SALES).user
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/accounts/").status_code == 200
    response = client.post("/api/v1/accounts/", {"name": "Tailspin"}, format="json")
    assert response.status_code == 403  # a session write needs the CSRF token
    assert "CSRF" in response.json()["detail"]
