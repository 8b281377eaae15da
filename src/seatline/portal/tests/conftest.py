# SPDX-License-Identifier: AGPL-3.0-or-later
"""Portal fixtures: the API tests' two-account tenant (Contoso, Fabrikam) with a portal user per
role of Contoso and a portal admin of Fabrikam, all with a known password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from seatline.api.tests.conftest import Tenant, client_for, tenant, today  # noqa: F401 (fixtures)
from seatline.portal.models import PortalRole, PortalUser
from seatline.portal.services import accept_invitation, invite_user

PASSWORD = "correct horse battery 9"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_portal_user(account: Any, email: str, role: str) -> PortalUser:
    invitation = invite_user(account=account, email=email, role=role, base_url="http://testserver")
    secret = invitation.url.rstrip("/").rsplit("/", 1)[1]  # type: ignore[attr-defined]
    return accept_invitation(secret=secret, password=PASSWORD)


@pytest.fixture
def portal_users(tenant: Tenant) -> dict[str, PortalUser]:  # noqa: F811
    users = {
        role: make_portal_user(tenant.account, f"{role}@contoso.test", role) for role in PortalRole.values
    }
    users["other"] = make_portal_user(tenant.other_account, "admin@fabrikam.test", PortalRole.ADMIN)
    return users


@pytest.fixture
def portal_client(portal_users: dict[str, PortalUser]) -> Callable[[str], Client]:
    def build(key: str) -> Client:
        client = Client()
        client.force_login(portal_users[key].user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return build
