# SPDX-License-Identifier: AGPL-3.0-or-later
"""Inviting a portal user from the back office (the add form calls `services.invite_user`)."""

from __future__ import annotations

from django.test import Client

from seatline.api.tests.conftest import Tenant
from seatline.notifications.models import OutgoingEmail
from seatline.portal.models import PortalUser


def test_the_back_office_invites_a_portal_user(tenant: Tenant, admin_client: Client) -> None:
    data = {
        "account": tenant.account.pk,
        "email": "Lin@Contoso.test",
        "first_name": "Lin",
        "last_name": "Chen",
        "role": "admin",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
    }
    response = admin_client.post("/admin/portal/portaluser/add/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    portal_user = PortalUser.objects.get()
    assert (portal_user.email, portal_user.account, portal_user.role, portal_user.invited_by) == (
        "lin@contoso.test",
        tenant.account,
        "admin",
        "admin",
    )
    email = OutgoingEmail.objects.get(template_key="portal_invitation")
    assert "http://testserver/portal/join/" in email.text_body
    refused = admin_client.post("/admin/portal/portaluser/add/", {**data, "email": "admin@example.com"})
    assert refused.status_code == 200
    assert "email_in_use" in refused.content.decode()
    assert PortalUser.objects.count() == 1
    again = admin_client.post(f"/admin/portal/portaluser/{portal_user.pk}/do/resend-invitation/", {})
    assert again.status_code == 302
    assert OutgoingEmail.objects.filter(template_key="portal_invitation").count() == 2


def test_an_account_invites_its_primary_contact(tenant: Tenant, admin_client: Client) -> None:
    path = f"/admin/customers/account/{tenant.account.pk}/do/invite-portal-user/"
    page = admin_client.get(path)
    assert page.status_code == 200
    assert 'value="ada@contoso.test"' in page.content.decode()
    done = admin_client.post(
        path, {"email": "ada@contoso.test", "first_name": "Ada", "last_name": "Lovelace", "role": "billing"}
    )
    assert done.status_code == 302
    portal_user = PortalUser.objects.get(user__email="ada@contoso.test")
    assert (portal_user.account, portal_user.role, portal_user.name) == (
        tenant.account,
        "billing",
        "Ada Lovelace",
    )
    refused = admin_client.post(path, {"email": "admin@example.com", "role": "admin"})
    assert "email_in_use" in refused.content.decode()
    assert PortalUser.objects.count() == 1
