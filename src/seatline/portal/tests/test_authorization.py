# SPDX-License-Identifier: AGPL-3.0-or-later
"""The authorization suite of the portal and of the API seen by portal users.

For every portal URL: anonymous callers are sent to the login page (htmx: 401); every role gets
exactly its rights on its own account's objects; every role gets 404 for another account's
objects; no page shows another account's name or amounts. For every API endpoint: a portal user
(session) reads only their own account (404 for the other account's objects, empty global data)
and may change nothing (403).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from seatline.api.tests.conftest import Tenant
from seatline.api.tests.test_authorization import ENDPOINTS, Endpoint
from seatline.api.tests.test_authorization import call as api_call
from seatline.customers.models import Contact
from seatline.invoicing import pdfs
from seatline.portal.models import PortalRole, PortalUser
from seatline.providers.models import Agreement, AgreementTemplate

ADMIN, BILLING, READ_ONLY = PortalRole.ADMIN.value, PortalRole.BILLING.value, PortalRole.READ_ONLY.value
ROLES = (ADMIN, BILLING, READ_ONLY)
ALL = frozenset(ROLES)


@dataclass(frozen=True)
class Objects:
    sub: int
    invoice: int
    agreement: int
    colleague: int


@dataclass(frozen=True)
class PortalUrl:
    name: str
    method: str
    path: Callable[[Objects], str]
    allowed: frozenset[str]
    success: int
    data: dict[str, str] | None = None
    has_object: bool = True


URLS = [
    PortalUrl("home", "get", lambda o: "/portal/", ALL, 200, has_object=False),
    PortalUrl("subscriptions", "get", lambda o: "/portal/subscriptions/", ALL, 200, has_object=False),
    PortalUrl("subscription", "get", lambda o: f"/portal/subscriptions/{o.sub}/", ALL, 200),
    PortalUrl(
        "change_seats",
        "post",
        lambda o: f"/portal/subscriptions/{o.sub}/seats/",
        frozenset({ADMIN}),
        200,
        {"quantity": "20"},
    ),
    PortalUrl("invoices", "get", lambda o: "/portal/invoices/", ALL, 200, has_object=False),
    PortalUrl("invoice", "get", lambda o: f"/portal/invoices/{o.invoice}/", ALL, 200),
    PortalUrl("invoice_pdf", "get", lambda o: f"/portal/invoices/{o.invoice}/pdf/", ALL, 200),
    PortalUrl("agreements", "get", lambda o: "/portal/agreements/", ALL, 200, has_object=False),
    PortalUrl(
        "accept_agreement",
        "post",
        lambda o: f"/portal/agreements/{o.agreement}/accept/",
        frozenset({ADMIN, BILLING}),
        302,
        {"signer_name": "Sig Ner"},
    ),
    PortalUrl("profile", "get", lambda o: "/portal/profile/", ALL, 200, has_object=False),
    PortalUrl("users", "get", lambda o: "/portal/users/", frozenset({ADMIN}), 200, has_object=False),
    PortalUrl(
        "invite",
        "post",
        lambda o: "/portal/users/invite/",
        frozenset({ADMIN}),
        302,
        {"email": "someone@new.test", "role": "read_only"},
        has_object=False,
    ),
    PortalUrl(
        "remove_user", "post", lambda o: f"/portal/users/{o.colleague}/remove/", frozenset({ADMIN}), 200
    ),
]


@pytest.fixture(autouse=True)
def _pdf_source() -> Iterator[None]:
    with pdfs.source_override(lambda invoice: pdfs.PdfFile(filename="x.pdf", content=b"%PDF-1.7 x")):
        yield


@pytest.fixture
def objects(tenant: Tenant, portal_users: dict[str, PortalUser]) -> tuple[Objects, Objects]:
    template = AgreementTemplate.objects.create(name="Partner terms")
    own = Agreement.objects.create(account=tenant.account, template=template)
    other = Agreement.objects.create(account=tenant.other_account, template=template)
    colleague = PortalUser.objects.filter(account=tenant.account, role=READ_ONLY).get()
    other_colleague = portal_users["other"]
    return (
        Objects(tenant.sub.pk, tenant.invoice.pk, own.pk, colleague.pk),
        Objects(tenant.other_sub.pk, tenant.other_invoice.pk, other.pk, other_colleague.pk),
    )


def request(client: Client, url: PortalUrl, objects: Objects, **extra: Any) -> Any:
    with transaction.atomic():
        response = getattr(client, url.method)(url.path(objects), url.data or {}, **extra)
        transaction.set_rollback(True)
    return response


def test_the_table_covers_every_portal_url() -> None:
    from seatline.portal.urls import urlpatterns

    public = {"login", "logout", "join"}
    assert {pattern.name for pattern in urlpatterns} - public == {url.name for url in URLS}


@pytest.mark.parametrize("url", URLS, ids=lambda u: u.name)
def test_anonymous_callers_are_sent_to_the_login(url: PortalUrl, objects: tuple[Objects, Objects]) -> None:
    own, _ = objects
    response = request(Client(), url, own)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/?next=%2Fportal%2F")
    htmx = request(Client(), url, own, HTTP_HX_REQUEST="true")
    assert (htmx.status_code, htmx["HX-Redirect"]) == (401, response["Location"])


@pytest.mark.parametrize("url", URLS, ids=lambda u: u.name)
def test_each_role_gets_exactly_its_rights_and_404_for_other_accounts(
    url: PortalUrl, objects: tuple[Objects, Objects], portal_client: Callable[[str], Client]
) -> None:
    own, other = objects
    outcomes = {role: request(portal_client(role), url, own).status_code for role in ROLES}
    assert outcomes == {role: url.success if role in url.allowed else 403 for role in ROLES}
    if url.has_object:
        for role in ROLES:
            assert request(portal_client(role), url, other).status_code == 404, role


def test_no_page_shows_another_account(
    tenant: Tenant, objects: tuple[Objects, Objects], portal_client: Callable[[str], Client]
) -> None:
    own, _ = objects
    other_amount = f"${tenant.other_invoice.total:,.2f}"  # Fabrikam's invoice total, as the portal writes it
    assert other_amount == "$108.00"
    secrets = ("Fabrikam", tenant.other_invoice.number, "fabrikam.test", other_amount)
    for role in ROLES:
        client = portal_client(role)
        for url in URLS:
            response = request(client, url, own)
            if response.status_code == 302:
                response = client.get(response["Location"])
            text = response.content.decode(errors="replace")
            for secret in secrets:
                assert secret not in text, (role, url.name, secret)


# -- the API, called with a portal user's session -------------------------------------------------
OTHER_ACCOUNT_OBJECTS: dict[str, Callable[[Tenant], str]] = {
    "accounts_retrieve": lambda t: f"/api/v1/accounts/{t.other_account.pk}/",
    "contacts_retrieve": lambda t: f"/api/v1/contacts/{Contact.objects.get(account=t.other_account).pk}/",
    "contracts_retrieve": lambda t: f"/api/v1/contracts/{t.other_contract.pk}/",
    "billing_schedules_retrieve": lambda t: (
        f"/api/v1/billing-schedules/{t.other_contract.schedules.first().pk}/"
    ),
    "subscriptions_retrieve": lambda t: f"/api/v1/subscriptions/{t.other_sub.pk}/",
    "license_change_logs_retrieve": lambda t: (
        f"/api/v1/license-change-logs/{t.other_sub.change_logs.first().pk}/"
    ),
    "invoices_retrieve": lambda t: f"/api/v1/invoices/{t.other_invoice.pk}/",
    "invoices_pdf_retrieve": lambda t: f"/api/v1/invoices/{t.other_invoice.pk}/pdf/",
    "payments_retrieve": lambda t: f"/api/v1/payments/{t.payment.pk}/",
}
GLOBAL_DATA = {"products", "price_lists", "jobs"}  # not account data: refused to portal users


def _api_client(portal_user: PortalUser) -> APIClient:
    client = APIClient()
    client.force_login(portal_user.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _expected(endpoint: Endpoint) -> int:
    collection = endpoint.operation_id.rsplit("_", 1)[0]
    if endpoint.writes or collection in GLOBAL_DATA:
        return 403
    if endpoint.operation_id == "payments_retrieve":  # the tenant's payment is Fabrikam's
        return 404
    return endpoint.success


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_the_api_shows_a_portal_user_their_own_account_only(
    tenant: Tenant, portal_users: dict[str, PortalUser], endpoint: Endpoint
) -> None:
    Contact.objects.create(
        account=tenant.other_account, first_name="Fab", last_name="Rikam", email="f@fabrikam.test"
    )
    for role in ROLES:
        client = _api_client(portal_users[role])
        with transaction.atomic():
            response = api_call(client, endpoint, tenant)
            transaction.set_rollback(True)
        assert response.status_code == _expected(endpoint), (role, response.content[:300])
        if response.status_code == 403:
            assert response.json()["code"] == "role_forbidden"
        elif endpoint.operation_id.endswith("_list"):
            text = response.content.decode()
            assert "Fabrikam" not in text and "fabrikam.test" not in text, role
            own_rows = response.json()["results"]
            assert bool(own_rows) == (endpoint.operation_id != "payments_list"), role  # Fabrikam's payment
        other = OTHER_ACCOUNT_OBJECTS.get(endpoint.operation_id)
        if other is not None:
            refused = client.get(other(tenant))
            assert refused.status_code == 404, (role, endpoint.operation_id)


def test_a_removed_portal_user_reads_nothing(tenant: Tenant, portal_users: dict[str, PortalUser]) -> None:
    from seatline.portal.services import remove_user

    client = _api_client(portal_users[READ_ONLY])
    assert client.get(f"/api/v1/accounts/{tenant.account.pk}/").status_code == 200
    remove_user(portal_user=portal_users[READ_ONLY])
    assert client.get(f"/api/v1/accounts/{tenant.account.pk}/").status_code == 401
