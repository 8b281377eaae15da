# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscription, invoice and payment actions call the services: their refusals come back as 4xx
problems with the service's code, and change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rest_framework.test import APIClient

from seatline.api.tests.conftest import Tenant
from seatline.audit.models import AuditEvent
from seatline.invoicing import pdfs
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.payments.models import Payment
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog, Subscription


def counts() -> tuple[int, ...]:
    return (
        LicenseChangeLog.objects.count(),
        ScheduledLicenseChangeLog.objects.count(),
        AuditEvent.objects.count(),
        Job.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
    )


def refused(response: Any, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)


def test_a_reduction_against_the_qrb_is_a_409_and_changes_nothing(
    tenant: Tenant, admin_client_api: APIClient
) -> None:
    before = counts()
    response = admin_client_api.post(
        f"/api/v1/subscriptions/{tenant.locked_sub.pk}/change-quantity/", {"quantity": 2}, format="json"
    )
    refused(response, 409, "qrb_violation", "quantity")
    assert response.json()["detail"] == (
        "the quantity reduction behaviour of Teams Rooms is disallowed: no reduction on 2018-02-10"
    )
    response = admin_client_api.post(
        f"/api/v1/subscriptions/{tenant.locked_sub.pk}/deactivate/", {}, format="json"
    )
    refused(response, 409, "qrb_violation", "quantity")
    assert counts() == before
    tenant.locked_sub.refresh_from_db()
    assert (tenant.locked_sub.quantity, tenant.locked_sub.status) == (5, "active")


def test_other_refusals_of_the_subscription_services(tenant: Tenant, admin_client_api: APIClient) -> None:
    before = counts()
    sub = f"/api/v1/subscriptions/{tenant.sub.pk}"
    refused(
        admin_client_api.post(f"{sub}/change-quantity/", {"quantity": 0}, format="json"),
        422,
        "invalid_quantity",
        "quantity",
    )
    refused(
        admin_client_api.post(f"{sub}/activate/", {}, format="json"),
        409,
        "subscription_active",
        "subscription",
    )
    suspended = f"/api/v1/subscriptions/{tenant.suspended_sub.pk}"
    refused(
        admin_client_api.post(f"{suspended}/change-quantity/", {"quantity": 3}, format="json"),
        409,
        "subscription_inactive",
        "subscription",
    )
    refused(
        admin_client_api.post(f"{suspended}/deactivate/", {}, format="json"),
        409,
        "subscription_inactive",
        "subscription",
    )
    refused(
        admin_client_api.post(
            f"{sub}/schedule-change/", {"effective": "2018-02-10", "quantity": 3}, format="json"
        ),
        422,
        "invalid_date",
        "effective",
    )
    refused(
        admin_client_api.post(f"{sub}/schedule-change/", {"effective": "2018-03-01"}, format="json"),
        422,
        "invalid_quantity",
        "quantity",
    )
    refused(
        admin_client_api.post(
            f"{sub}/schedule-change/", {"effective": "2018-03-01", "price": "1.23456"}, format="json"
        ),
        422,
        "invalid_price",
        "price",
    )
    refused(
        admin_client_api.post(f"{sub}/deactivate/", {"on": "9999-12-31"}, format="json"),
        400,
        "invalid_input",
        "on",
    )
    assert counts() == before


def test_changing_the_quantity_answers_the_subscription_and_its_change_log(
    tenant: Tenant, admin_client_api: APIClient
) -> None:
    response = admin_client_api.post(
        f"/api/v1/subscriptions/{tenant.sub.pk}/change-quantity/",
        {"quantity": 14, "effective": "2018-02-15"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["subscription"]["quantity"] == 14
    change = body["change"]
    assert {
        k: change[k] for k in ("kind", "effective_date", "delta", "quantity_after", "price", "currency")
    } == {
        "kind": "increase",
        "effective_date": "2018-02-15",
        "delta": 4,
        "quantity_after": 14,
        "price": "12.00",
        "currency": "USD",
    }
    audit = AuditEvent.objects.filter(action="quantity_changed").latest("id")
    assert audit.actor.startswith("billing-administrator (API sl_")
    same = admin_client_api.post(
        f"/api/v1/subscriptions/{tenant.sub.pk}/change-quantity/", {"quantity": 14}, format="json"
    )
    assert same.status_code == 200
    assert same.json()["change"] is None  # nothing to change


def test_deactivate_with_a_refund_then_activate(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.post(
        f"/api/v1/subscriptions/{tenant.sub.pk}/deactivate/",
        {"refund": True, "on": "2018-02-20"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["subscription"]["status"], body["subscription"]["quantity"]) == ("suspended", 0)
    assert (body["change"]["kind"], body["change"]["effective_date"], body["change"]["delta"]) == (
        "deactivate",
        "2018-02-21",
        -10,
    )
    response = admin_client_api.post(
        f"/api/v1/subscriptions/{tenant.sub.pk}/activate/", {"on": "2018-03-01"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["subscription"]["status"], response.json()["subscription"]["quantity"]) == (
        "active",
        10,
    )


def test_create_a_subscription_through_the_service(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.post(
        "/api/v1/subscriptions/",
        {
            "contract": tenant.contract.pk,
            "name": "Project Plan 3",
            "quantity": 4,
            "price": "25.50",
            "start_date": "2018-02-10",
            "qrb": "window",
            "qrw_days": 7,
            "markup_percent": "5",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    sub = Subscription.objects.get(pk=response.json()["id"])
    assert (sub.quantity, sub.price, sub.qrb, sub.qrw_days, sub.markup_percent) == (
        4,
        Decimal("25.50"),
        "window",
        7,
        Decimal(5),
    )
    assert response["Location"] == f"/api/v1/subscriptions/{sub.pk}/"
    assert sub.change_logs.get().kind == "create"
    refused(
        admin_client_api.post(
            "/api/v1/subscriptions/",
            {
                "contract": tenant.contract.pk,
                "name": "X",
                "quantity": 1,
                "price": "1",
                "start_date": "2018-02-10",
                "qrb": "window",
            },
            format="json",
        ),
        422,
        "invalid_qrb",
        "qrw_days",
    )


def test_issue_credit_and_pay(tenant: Tenant, admin_client_api: APIClient) -> None:
    issued = admin_client_api.post(f"/api/v1/invoices/{tenant.draft.pk}/issue/", {}, format="json")
    assert issued.status_code == 200
    assert (issued.json()["status"], issued.json()["number"]) == ("billed", "INV-000003")
    refused(
        admin_client_api.post(f"/api/v1/invoices/{tenant.draft.pk}/issue/", {}, format="json"),
        409,
        "invoice_not_draft",
        "invoice",
    )

    before = Payment.objects.count()
    refused(
        admin_client_api.post(
            "/api/v1/payments/", {"invoice": tenant.invoice.pk, "amount": "9999.00"}, format="json"
        ),
        422,
        "payment_exceeds_balance",
        "amount",
    )
    refused(
        admin_client_api.post(
            "/api/v1/payments/", {"invoice": tenant.invoice.pk, "amount": "1.001"}, format="json"
        ),
        422,
        "invalid_amount",
        "amount",
    )
    assert Payment.objects.count() == before
    paid = admin_client_api.post(
        "/api/v1/payments/",
        {"invoice": tenant.invoice.pk, "amount": "40.00", "transaction_id": "wire-77"},
        format="json",
    )
    assert paid.status_code == 201
    assert paid.json()["amount"] == "40.00"
    again = admin_client_api.post(
        "/api/v1/payments/",
        {"invoice": tenant.invoice.pk, "amount": "40.00", "transaction_id": "wire-77"},
        format="json",
    )
    assert (again.status_code, again.json()["id"]) == (200, paid.json()["id"])
    detail = admin_client_api.get(f"/api/v1/invoices/{tenant.invoice.pk}/").json()
    # due 2018-01-31, paid in part on 02-10: overdue comes before partially_paid (docs/billing.md 12)
    assert (detail["status"], detail["total"], detail["balance"]) == ("overdue", "540.00", "500.00")
    assert detail["lines"][0]["net"] == "360.00"

    credit = admin_client_api.post(
        f"/api/v1/invoices/{tenant.invoice.pk}/credit-note/", {"reason": "duplicate"}, format="json"
    )
    assert credit.status_code == 201
    assert (credit.json()["kind"], credit.json()["total"], credit.json()["credited_invoice"]) == (
        "credit_note",
        "-540.00",
        tenant.invoice.pk,
    )
    refused(
        admin_client_api.post(f"/api/v1/invoices/{tenant.invoice.pk}/credit-note/", {}, format="json"),
        409,
        "invoice_void",
        "invoice",
    )


def test_the_pdf_endpoint_waits_for_the_documents_feature(
    tenant: Tenant, admin_client_api: APIClient
) -> None:
    path = f"/api/v1/invoices/{tenant.invoice.pk}/pdf/"
    # the documents app is installed: its create_pdf job has not run yet
    refused(admin_client_api.get(path), 409, "pdf_not_ready", "invoice")
    with pdfs.source_override(None):
        refused(admin_client_api.get(path), 404, "pdf_unavailable", "invoice")
    with pdfs.source_override(lambda invoice: None):
        refused(admin_client_api.get(path), 409, "pdf_not_ready", "invoice")
    with pdfs.source_override(lambda invoice: pdfs.PdfFile(f"{invoice.number}.pdf", b"%PDF-1.7 x")):
        response = admin_client_api.get(path, HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename="INV-000001.pdf"'
        assert response.content == b"%PDF-1.7 x"
        refused(
            admin_client_api.get(f"/api/v1/invoices/{tenant.draft.pk}/pdf/"),
            409,
            "invoice_not_issued",
            "invoice",
        )


def test_jobs_retry_and_cancel(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.post(f"/api/v1/jobs/{tenant.job.pk}/retry/", {}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["attempts"]) == (
        200,
        "waiting",
        0,
    )
    refused(
        admin_client_api.post(f"/api/v1/jobs/{tenant.job.pk}/retry/", {}, format="json"),
        409,
        "invalid_job_transition",
        "status",
    )
    response = admin_client_api.post(f"/api/v1/jobs/{tenant.waiting_job.pk}/cancel/", {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")


def test_accounts_and_contacts_through_their_services(
    tenant: Tenant, client_for: Callable[..., APIClient]
) -> None:
    client = client_for("Sales")
    created = client.post(
        "/api/v1/accounts/",
        {"name": "  Litware  ", "currency": "EUR", "parent": tenant.account.pk},
        format="json",
    )
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["currency"], created.json()["parent"]) == (
        "Litware",
        "EUR",
        tenant.account.pk,
    )
    cycle = client.patch(
        f"/api/v1/accounts/{tenant.account.pk}/", {"parent": created.json()["id"]}, format="json"
    )
    refused(cycle, 422, "invalid_parent", "parent")
    contact = client.post(
        "/api/v1/contacts/",
        {
            "account": tenant.account.pk,
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@contoso.test",
            "is_primary": True,
        },
        format="json",
    )
    assert contact.status_code == 201
    tenant.contact.refresh_from_db()
    assert tenant.contact.is_primary is False  # one primary contact per account
    assert AuditEvent.objects.filter(object_id=str(tenant.contact.pk), action="update").exists()


def test_dates_and_money_are_text(tenant: Tenant, admin_client_api: APIClient) -> None:
    body = admin_client_api.get(f"/api/v1/price-lists/{tenant.price_list.pk}/").json()
    assert body["items"][0]["selling_price"] == "36.00"
    assert body["items"][0]["cost"] == "32.40"
    assert body["items"][0]["currency"] == "USD"
    sub = admin_client_api.get(f"/api/v1/subscriptions/{tenant.sub.pk}/").json()
    assert (sub["price"], sub["currency"], sub["start_date"]) == ("12.00", "USD", "2018-01-01")
    assert dt.datetime.fromisoformat(sub["created_at"].replace("Z", "+00:00")).tzinfo is not None
