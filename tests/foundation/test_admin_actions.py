# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office domain actions call the services; refusals come back as field errors, changing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from seatline import clock
from seatline.contracts.models import BillingSchedule
from seatline.invoicing.models import Invoice
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 3, 10)


@pytest.fixture
def frozen_today():
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def subscription(frozen_today):
    contract = make_contract(frequency="monthly", start_date=dt.date(2024, 3, 1), process_refunds="yes")
    return services.create_subscription(
        contract=contract,
        name="Microsoft 365 E3",
        quantity=10,
        price=Decimal("36.00"),
        start_date=dt.date(2024, 3, 5),
        qrb="window",
        qrw_days=7,  # reductions allowed Mar 5..11
    )


def url(subscription_or_contract, action: str) -> str:
    meta = subscription_or_contract._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_do_{action}", args=[subscription_or_contract.pk]
    )


def test_change_form_shows_the_action_buttons(admin_client, subscription) -> None:
    response = admin_client.get(reverse("admin:subscriptions_subscription_change", args=[subscription.pk]))
    assert response.status_code == 200
    for label in (b"Change quantity", b"Deactivate", b"Activate", b"Schedule change"):
        assert label in response.content
    response = admin_client.get(
        reverse("admin:contracts_billingcontract_change", args=[subscription.contract.pk])
    )
    for label in (b"Generate invoice", b"Preview next invoice", b"Apply indexation"):
        assert label in response.content


def test_increase_through_the_admin_writes_an_lcl(admin_client, subscription) -> None:
    response = admin_client.post(url(subscription, "change-quantity"), {"quantity": "12"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.quantity == 12
    assert LicenseChangeLog.objects.filter(subscription=subscription, kind="increase", delta=2).exists()


def test_refused_reduction_shows_the_error_on_the_field_and_changes_nothing(
    admin_client, subscription
) -> None:
    lcls = LicenseChangeLog.objects.count()
    response = admin_client.post(url(subscription, "change-quantity"), {"quantity": "0"})
    assert response.status_code == 200
    assert "invalid_quantity" in response.context["form"].errors["quantity"][0]
    with clock.frozen(dt.date(2024, 3, 20)):  # outside the 7-day window
        response = admin_client.post(url(subscription, "change-quantity"), {"quantity": "5"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any("qrb_violation" in message for messages in errors.values() for message in messages)
    subscription.refresh_from_db()
    assert subscription.quantity == 10
    assert LicenseChangeLog.objects.count() == lcls


def test_deactivate_defaults_to_no_refund_and_activate_restores(admin_client, subscription) -> None:
    response = admin_client.get(url(subscription, "deactivate"))
    assert response.context["form"].fields["refund"].initial == "no"
    response = admin_client.post(url(subscription, "deactivate"), {"refund": "no"})
    assert response.status_code == 302, response.context["form"].errors
    subscription.refresh_from_db()
    assert (subscription.status, subscription.quantity) == ("suspended", 0)
    deactivation = LicenseChangeLog.objects.get(subscription=subscription, kind="deactivate")
    assert deactivation.refund is False
    response = admin_client.post(url(subscription, "activate"), {})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.status, subscription.quantity) == ("active", 10)


def test_schedule_change_creates_a_pending_slcl(admin_client, subscription) -> None:
    response = admin_client.post(
        url(subscription, "schedule-change"), {"effective": "2024-04-01", "quantity": "15"}
    )
    assert response.status_code == 302
    slcl = ScheduledLicenseChangeLog.objects.get(subscription=subscription)
    assert (slcl.status, slcl.target_quantity, slcl.effective_date) == ("pending", 15, dt.date(2024, 4, 1))
    response = admin_client.post(url(subscription, "schedule-change"), {"effective": "2024-04-01"})
    assert response.status_code == 200
    assert "Give a new quantity" in str(response.context["form"].errors)


def test_preview_writes_nothing_and_generate_bills_the_chosen_cycle_once(admin_client, subscription) -> None:
    contract = subscription.contract
    response = admin_client.get(url(contract, "preview"))
    assert response.status_code == 200
    assert b"Microsoft 365 E3" in response.content
    assert Invoice.objects.count() == 0
    response = admin_client.get(url(contract, "generate-invoice"))
    choices = [value for value, _ in response.context["form"].fields["cycle_start"].choices]
    assert "2024-03-01" in choices and "2024-04-01" in choices
    response = admin_client.post(url(contract, "generate-invoice"), {"cycle_start": "2024-04-01"})
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.kind, invoice.total) == ("manual", Decimal("360.0000"))
    schedule = BillingSchedule.objects.get(contract=contract, cycle_start=dt.date(2024, 4, 1))
    assert schedule.status == "invoiced" and schedule.invoice == invoice
    response = admin_client.get(url(contract, "generate-invoice"))
    choices = [value for value, _ in response.context["form"].fields["cycle_start"].choices]
    assert "2024-04-01" not in choices


def test_indexation_previews_then_applies(admin_client, subscription) -> None:
    contract = subscription.contract
    response = admin_client.post(url(contract, "indexation"), {"percent": "5", "preview": "1"})
    assert response.status_code == 200
    assert response.context["preview_rows"] == [
        ["Microsoft 365 E3", "monthly", Decimal("36.0000"), Decimal("37.80")]
    ]
    subscription.refresh_from_db()
    assert subscription.price == Decimal("36.0000")
    response = admin_client.post(url(contract, "indexation"), {"percent": "5", "apply": "1"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.price == Decimal("37.8000")
    assert LicenseChangeLog.objects.filter(subscription=subscription, kind="price").exists()


def test_adding_a_subscription_in_the_admin_goes_through_the_service(admin_client, frozen_today) -> None:
    contract = make_contract(frequency="monthly", start_date=dt.date(2024, 3, 1))
    add = reverse("admin:subscriptions_subscription_add")
    form = {
        "name": "Teams Essentials",
        "contract": contract.pk,
        "account": contract.account.pk,
        "kind": "license",
        "quantity": "7",
        "sales_unit": "monthly",
        "price": "4.80",
        "cost": "3.84",
        "currency": "USD",
        "start_date": "2024-03-10",
        "taxable": "on",
        "markup_percent": "0",
        "qrb": "allowed",
        "term_months": "12",
        "provider_auto_renew": "on",
        "change_logs-TOTAL_FORMS": "0",
        "change_logs-INITIAL_FORMS": "0",
        "scheduled_changes-TOTAL_FORMS": "0",
        "scheduled_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(add, {**form, "quantity": "-2"})
    assert response.status_code == 200
    assert "quantity" in response.context["adminform"].form.errors
    response = admin_client.post(add, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = contract.subscriptions.get()
    assert created.quantity == 7
    create = LicenseChangeLog.objects.get(subscription=created)
    assert (create.kind, create.delta, create.effective_date) == ("create", 7, dt.date(2024, 3, 10))
