# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing contracts through the API: created and changed by `contracts.services`."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from seatline.api.tests.conftest import Tenant
from seatline.contracts.models import BillingContract
from seatline.jobs.models import Job


def test_create_a_contract(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.post(
        "/api/v1/contracts/",
        {
            "account": tenant.account.pk,
            "name": "Contoso EA",
            "start_date": "2018-03-01",
            "frequency": "annual",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    contract = BillingContract.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/contracts/{contract.pk}/"
    assert (contract.account, contract.frequency, contract.currency, contract.start_date) == (
        tenant.account,
        "annual",
        "USD",
        dt.date(2018, 3, 1),
    )
    assert Job.objects.filter(
        job_type="update_next_invoice_date", parameters={"contract_id": contract.pk}
    ).exists()


def test_refusals_of_the_service_are_problems(tenant: Tenant, admin_client_api: APIClient) -> None:
    before = BillingContract.objects.count()
    bad = admin_client_api.post(
        "/api/v1/contracts/",
        {
            "account": tenant.account.pk,
            "name": "Backwards",
            "start_date": "2018-03-01",
            "end_date": "2018-01-01",
            "frequency": "monthly",
        },
        format="json",
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_contract")
    other = admin_client_api.post(
        "/api/v1/contracts/", {"account": 10**9, "name": "x", "start_date": "2018-03-01"}, format="json"
    )
    assert (other.status_code, other.json()["field"]) == (400, "account")
    locked = admin_client_api.patch(
        f"/api/v1/contracts/{tenant.contract.pk}/", {"frequency": "annual"}, format="json"
    )
    assert (locked.status_code, locked.json()["code"], locked.json()["field"]) == (
        409,
        "contract_terms_locked",
        "frequency",
    )
    assert BillingContract.objects.count() == before
    tenant.contract.refresh_from_db()
    assert tenant.contract.frequency == "quarterly"  # as the factory made it


def test_update_a_contract(tenant: Tenant, admin_client_api: APIClient) -> None:
    response = admin_client_api.patch(
        f"/api/v1/contracts/{tenant.contract.pk}/",
        {"name": "Renamed", "payment_terms": "net60"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["payment_terms"]) == ("Renamed", "net60")
