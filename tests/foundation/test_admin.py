# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every admin page renders (a smoke test per registered model), filters and search work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_contract, make_draft_invoice, make_subscription

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    ((model._meta.app_label, model._meta.model_name) for model in admin.site._registry),
)


@pytest.fixture
def some_data():
    subscription = make_subscription()
    make_draft_invoice(contract=subscription.contract)
    return subscription


@pytest.mark.parametrize(("app_label", "model_name"), MODEL_ADMINS, ids=[f"{a}.{m}" for a, m in MODEL_ADMINS])
def test_changelist_and_add_pages_render(admin_client, some_data, app_label: str, model_name: str) -> None:
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = admin_client.get(changelist, follow=True)
    assert response.status_code == 200
    response = admin_client.get(changelist, {"q": "wingtip"}, follow=True)
    assert response.status_code == 200
    model = next(
        m for m in admin.site._registry if m._meta.model_name == model_name and m._meta.app_label == app_label
    )
    model_admin = admin.site._registry[model]
    request = response.wsgi_request
    if model_admin.has_add_permission(request):
        response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
        assert response.status_code == 200
    instance = model._default_manager.first()
    if instance is not None:
        response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[instance.pk]))
        assert response.status_code == 200


def test_every_seatline_model_is_in_the_back_office() -> None:
    from django.apps import apps

    registered = set(admin.site._registry)
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("seatline.")
        # inlines of their parents, or internal (stored API responses for idempotent retries)
        and model._meta.model_name
        not in {
            "numbersequence",
            "invoiceline",
            "invoicetax",
            "webhookattempt",
            "idempotencyrecord",
            "portalinvitation",
            # shown on their reconciliation group's page (its subscriptions and customer lines)
            "groupsubscription",
            "groupcustomerline",
        }
        and model not in registered
    ]
    assert missing == []


def test_contract_list_filters_by_status_frequency_and_dates(admin_client) -> None:
    make_contract(name="Monthly one", frequency="monthly")
    make_contract(name="Annual one", frequency="annual", start_date=dt.date(2023, 5, 1))
    url = reverse("admin:contracts_billingcontract_changelist")
    response = admin_client.get(url, {"frequency__exact": "annual"})
    assert response.status_code == 200
    names = [contract.name for contract in response.context["cl"].result_list]
    assert names == ["Annual one"]
    response = admin_client.get(url, {"start_date_from": "2024-01-01", "start_date_to": "2024-12-31"})
    names = [contract.name for contract in response.context["cl"].result_list]
    assert names == ["Monthly one"]


def test_admin_add_contract_with_end_before_start_shows_the_field_error(admin_client) -> None:
    account = make_contract().account
    url = reverse("admin:contracts_billingcontract_add")
    data = {
        "name": "Bad",
        "account": account.pk,
        "type": "recurring",
        "status": "active",
        "currency": "USD",
        "frequency": "monthly",
        "policy": "advance",
        "prorate_unit": "days",
        "start_date": "2024-05-01",
        "end_date": "2024-04-01",
        "payment_terms": "net30",
        "invoice_offset_days": "40",
        "change_log_invoices": "",
        "process_refunds": "use_global",
        "discount_percent": "0",
        "minimum_commitment": "0",
        "schedules-TOTAL_FORMS": "0",
        "schedules-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "before the start date" in errors["end_date"][0]
    assert "invoice_offset_days" in errors
