# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invitations: e-mailed single-use links that expire, passwords, login and logout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from seatline import clock
from seatline.api.tests.conftest import Tenant
from seatline.errors import SeatlineError
from seatline.notifications.models import OutgoingEmail
from seatline.portal.models import PortalInvitation, PortalRole, PortalUser
from seatline.portal.services import invite_user, remove_user, resend_invitation
from seatline.portal.tests.conftest import PASSWORD


def _invite(tenant: Tenant, email: str = "grace@contoso.test") -> tuple[PortalInvitation, str]:
    invitation = invite_user(
        account=tenant.account,
        email=email,
        role=PortalRole.BILLING,
        first_name="Grace",
        last_name="Hopper",
        base_url="http://portal.test",
        invited_by="back-office",
    )
    return invitation, invitation.url.removeprefix("http://portal.test")  # type: ignore[attr-defined]


def test_an_invitation_is_emailed_with_a_single_use_link(tenant: Tenant) -> None:
    invitation, path = _invite(tenant)
    email = OutgoingEmail.objects.get(pk=invitation.email_id)
    assert email.template_key == "portal_invitation"
    assert email.to == ["grace@contoso.test"]
    assert f"http://portal.test{path}" in email.text_body
    assert path.startswith("/portal/join/") and len(path) > 40
    assert invitation.token_hash not in email.text_body  # only the hash is stored
    assert invitation.expires_at == clock.now() + dt.timedelta(days=7)
    user = invitation.portal_user
    assert (user.account, user.role, user.user.is_staff, user.user.has_usable_password()) == (
        tenant.account,
        "billing",
        False,
        False,
    )

    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert "Contoso" in page.content.decode()
    refused = client.post(path, {"password": "short", "password_again": "short"})
    assert refused.status_code == 400
    assert "too short" in refused.content.decode()
    done = client.post(path, {"password": PASSWORD, "password_again": PASSWORD})
    assert (done.status_code, done["Location"]) == (302, "/portal/")
    assert client.get("/portal/").status_code == 200  # logged in

    again = Client().get(path)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    reused = Client().post(path, {"password": "another pass 77", "password_again": "another pass 77"})
    assert reused.status_code == 410
    user.user.refresh_from_db()
    assert user.user.check_password(PASSWORD)


def test_an_expired_or_replaced_link_shows_a_clear_page(tenant: Tenant) -> None:
    first, first_path = _invite(tenant)
    second = resend_invitation(portal_user=first.portal_user, base_url="http://portal.test")
    second_path = second.url.removeprefix("http://portal.test")  # type: ignore[attr-defined]
    replaced = Client().get(first_path)
    assert replaced.status_code == 410
    assert "replaced by a newer one" in replaced.content.decode()
    with clock.frozen(clock.now() + dt.timedelta(days=8)):
        expired = Client().get(second_path)
    assert expired.status_code == 410
    assert "has expired" in expired.content.decode()
    assert Client().get("/portal/join/not-a-real-link/").status_code == 410


def test_login_logout_and_removed_users(tenant: Tenant, portal_users: dict[str, PortalUser]) -> None:
    client = Client()
    wrong = client.post("/portal/login/", {"email": "admin@contoso.test", "password": "nope"})
    assert wrong.status_code == 400
    ok = client.post(
        "/portal/login/", {"email": "Admin@Contoso.test", "password": PASSWORD, "next": "/portal/invoices/"}
    )
    assert (ok.status_code, ok["Location"]) == (302, "/portal/invoices/")
    evil = Client().post(
        "/portal/login/", {"email": "admin@contoso.test", "password": PASSWORD, "next": "https://evil.test/"}
    )
    assert evil["Location"] == "/portal/"
    assert client.post("/portal/logout/")["Location"] == "/portal/login/"
    assert client.get("/portal/")["Location"] == "/portal/login/?next=%2Fportal%2F"

    remove_user(portal_user=portal_users["read_only"])
    removed = Client().post("/portal/login/", {"email": "read_only@contoso.test", "password": PASSWORD})
    assert removed.status_code == 400


def test_a_back_office_user_is_not_a_portal_user(tenant: Tenant, admin_user: object) -> None:
    client = Client()
    client.force_login(admin_user)  # type: ignore[arg-type]
    assert client.get("/portal/invoices/")["Location"].startswith("/portal/login/")
    with pytest.raises(SeatlineError) as refused:
        invite_user(account=tenant.account, email="admin@example.com", role="admin", base_url="http://x")
    assert refused.value.code == "email_in_use"


@pytest.mark.parametrize(
    ("email", "role", "code"),
    [("not-an-address", "admin", "invalid_email"), ("x@contoso.test", "owner", "invalid_role")],
)
def test_bad_invitations_change_nothing(tenant: Tenant, email: str, role: str, code: str) -> None:
    with pytest.raises(SeatlineError) as refused:
        invite_user(account=tenant.account, email=email, role=role, base_url="http://x")
    assert refused.value.code == code
    assert PortalUser.objects.count() == 0
    assert OutgoingEmail.objects.filter(template_key="portal_invitation").count() == 0


def test_an_address_of_another_account_is_refused(
    tenant: Tenant, portal_users: dict[str, PortalUser]
) -> None:
    with pytest.raises(SeatlineError) as refused:
        invite_user(account=tenant.account, email="admin@fabrikam.test", role="admin", base_url="http://x")
    assert refused.value.code == "email_in_use"
    assert "Fabrikam" not in refused.value.message
    with pytest.raises(SeatlineError) as again:
        invite_user(account=tenant.account, email="admin@contoso.test", role="admin", base_url="http://x")
    assert again.value.code == "portal_user_exists"
