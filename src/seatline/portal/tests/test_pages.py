# SPDX-License-Identifier: AGPL-3.0-or-later
"""The portal's pages: seat changes through the subscription services (QRB and NCE refusals shown
as they are), invoices and their PDF, agreements, profile and users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from seatline import clock
from seatline.api.tests.conftest import Tenant
from seatline.audit.models import AuditEvent
from seatline.invoicing import pdfs
from seatline.notifications.models import OutgoingEmail
from seatline.portal.models import PortalUser
from seatline.providers.models import Agreement, AgreementTemplate, Provider
from seatline.subscriptions.models import LicenseChangeLog

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _pdf_source() -> Iterator[None]:
    with pdfs.source_override(
        lambda invoice: pdfs.PdfFile(filename=f"{invoice.number}.pdf", content=b"%PDF-1.7 portal")
    ):
        yield


def test_a_seat_increase_and_reduction_go_through_the_services(
    tenant: Tenant, portal_client: Callable[[str], Client]
) -> None:
    client = portal_client("admin")
    path = f"/portal/subscriptions/{tenant.sub.pk}/seats/"
    raised = client.post(path, {"quantity": "12"}, **HTMX)
    assert raised.status_code == 200
    assert "Seats changed from 10 to 12." in raised.content.decode()
    assert "<html" not in raised.content.decode()  # htmx gets the panel only
    reduced = client.post(path, {"quantity": "11"})
    assert "Seats changed from 12 to 11." in reduced.content.decode()
    tenant.sub.refresh_from_db()
    assert tenant.sub.quantity == 11
    kinds = list(tenant.sub.change_logs.order_by("id").values_list("kind", "delta"))[-2:]
    assert kinds == [(LicenseChangeLog.Kind.INCREASE, 2), (LicenseChangeLog.Kind.DECREASE, -1)]
    actors = set(
        AuditEvent.objects.filter(action="quantity_changed", object_id=str(tenant.sub.pk)).values_list(
            "actor", flat=True
        )
    )
    assert actors == {"admin@contoso.test (portal)"}


def test_a_qrb_refusal_shows_its_message_and_changes_nothing(
    tenant: Tenant, portal_client: Callable[[str], Client]
) -> None:
    response = portal_client("admin").post(
        f"/portal/subscriptions/{tenant.locked_sub.pk}/seats/", {"quantity": "4"}, **HTMX
    )
    text = response.content.decode()
    assert "the quantity reduction behaviour of Teams Rooms is disallowed" in text
    tenant.locked_sub.refresh_from_db()
    assert tenant.locked_sub.quantity == 5


def test_an_nce_window_refusal_shows_its_message(
    tenant: Tenant, portal_client: Callable[[str], Client]
) -> None:
    provider = Provider.objects.create(name="Partner Center", type="automatic", connector="partner_center")
    sub = tenant.sub
    sub.provider = provider
    sub.cancellation_allowed_until = clock.now() - dt.timedelta(days=1)
    sub.save()
    response = portal_client("admin").post(f"/portal/subscriptions/{sub.pk}/seats/", {"quantity": "9"})
    assert response.status_code == 409
    assert "the 7-day NCE window for reducing seats has passed" in response.content.decode()
    sub.refresh_from_db()
    assert sub.quantity == 10


def test_invoices_list_detail_and_pdf(tenant: Tenant, portal_client: Callable[[str], Client]) -> None:
    client = portal_client("read_only")
    listing = client.get("/portal/invoices/").content.decode()
    assert tenant.invoice.number in listing
    assert f"/portal/invoices/{tenant.draft.pk}/" not in listing  # drafts are not shown
    detail = client.get(f"/portal/invoices/{tenant.invoice.pk}/")
    assert detail.status_code == 200
    assert "$360.00" in detail.content.decode()
    pdf = client.get(f"/portal/invoices/{tenant.invoice.pk}/pdf/")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content) == (200, "application/pdf", b"%PDF-1.7 portal")
    assert client.get(f"/portal/invoices/{tenant.draft.pk}/").status_code == 404
    with pdfs.source_override(lambda invoice: None):
        waiting = client.get(f"/portal/invoices/{tenant.invoice.pk}/pdf/")
    assert waiting.status_code == 409
    assert "not rendered yet" in waiting.content.decode()


def _pending_agreement(tenant: Tenant, **template: Any) -> Agreement:
    terms = AgreementTemplate.objects.create(name="Partner terms", **template)
    return Agreement.objects.create(account=tenant.account, template=terms)


def test_agreements_are_accepted_through_the_provider_service(
    tenant: Tenant, portal_client: Callable[[str], Client]
) -> None:
    agreement = _pending_agreement(tenant)
    billing = portal_client("billing")
    assert "1 agreement to accept" in billing.get("/portal/").content.decode()
    refused = portal_client("read_only").post(f"/portal/agreements/{agreement.pk}/accept/", {})
    assert refused.status_code == 403
    done = billing.post(f"/portal/agreements/{agreement.pk}/accept/", {"signer_name": "Bill Ing"})
    assert done.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.status, agreement.signed_by_name, agreement.signed_by_email, agreement.executed_on) == (
        "accepted",
        "Bill Ing",
        "billing@contoso.test",
        clock.today(),
    )


def test_an_mca_needs_the_account_at_the_provider(
    tenant: Tenant, portal_client: Callable[[str], Client]
) -> None:
    provider = Provider.objects.create(name="Partner Center", type="automatic", connector="partner_center")
    agreement = _pending_agreement(tenant, provider=provider, agreement_type="MicrosoftCustomerAgreement")
    response = portal_client("admin").post(
        f"/portal/agreements/{agreement.pk}/accept/", {"signer_name": "Ada Lee"}
    )
    assert response.status_code == 409
    assert "has no customer at Partner Center" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == "pending"


def test_a_portal_admin_invites_and_removes_users_of_their_account(
    tenant: Tenant, portal_client: Callable[[str], Client], portal_users: dict[str, PortalUser]
) -> None:
    client = portal_client("admin")
    invited = client.post(
        "/portal/users/invite/", {"email": "new@contoso.test", "role": "read_only", "first_name": "New"}
    )
    assert (invited.status_code, invited["Location"]) == (302, "/portal/users/?invited=1")
    created = PortalUser.objects.get(user__email="new@contoso.test")
    assert (created.account, created.role, created.invited_by) == (
        tenant.account,
        "read_only",
        "admin@contoso.test (portal)",
    )
    assert (
        OutgoingEmail.objects.filter(template_key="portal_invitation", to=["new@contoso.test"]).count() == 1
    )
    page = client.get("/portal/users/").content.decode()
    assert "new@contoso.test" in page and "admin@fabrikam.test" not in page
    removed = client.post(f"/portal/users/{portal_users['billing'].pk}/remove/")
    assert "billing@contoso.test can no longer log in." in removed.content.decode()
    itself = client.post(f"/portal/users/{portal_users['admin'].pk}/remove/")
    assert "you cannot remove yourself" in itself.content.decode()
    portal_users["billing"].refresh_from_db()
    assert (portal_users["billing"].active, portal_users["billing"].user.is_active) == (False, False)


def test_profile_name_and_password(
    portal_client: Callable[[str], Client], portal_users: dict[str, PortalUser]
) -> None:
    client = portal_client("read_only")
    client.post("/portal/profile/", {"first_name": "Reed", "last_name": "Only"})
    changed = client.post(
        "/portal/profile/",
        {
            "form": "password",
            "old_password": "correct horse battery 9",
            "new_password1": "another one 123x",
            "new_password2": "another one 123x",
        },
    )
    assert "Your password was changed." in changed.content.decode()
    user = PortalUser.objects.get(pk=portal_users["read_only"].pk).user
    assert (user.first_name, user.last_name, user.check_password("another one 123x")) == (
        "Reed",
        "Only",
        True,
    )


def test_pages_render_for_a_phone(tenant: Tenant, portal_client: Callable[[str], Client]) -> None:
    client = portal_client("admin")
    for path in (
        "/portal/",
        "/portal/subscriptions/",
        f"/portal/subscriptions/{tenant.sub.pk}/",
        "/portal/agreements/",
        "/portal/profile/",
        "/portal/users/",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        text = page.content.decode()
        assert 'name="viewport"' in text and "/static/portal/htmx.min.js" in text, path
        assert "http://" not in text.replace("http://testserver", ""), path  # no external CDN


def test_an_open_invoice_offers_paynow_to_paying_roles_only(
    tenant: Tenant, portal_client: Callable[[str], Client]
) -> None:
    from seatline.payments.models import PaymentProcessor

    path = f"/portal/invoices/{tenant.invoice.pk}/"
    assert "Pay now" not in portal_client("billing").get(path).content.decode()  # no processor yet
    PaymentProcessor.objects.create(
        kind=PaymentProcessor.Kind.STRIPE,
        name="Stripe",
        api_key="sk_test_portal",
        currency=tenant.invoice.currency,
    )
    billing = portal_client("billing").get(path).content.decode()
    assert "Pay now" in billing and 'href="/pay/invoice/' in billing
    assert "Pay now" not in portal_client("read_only").get(path).content.decode()
