# SPDX-License-Identifier: AGPL-3.0-or-later
"""contracts.services: validated creation and updates, terms locked once a cycle is invoiced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.factories import make_account

from seatline.audit.services import history
from seatline.contracts import services
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.errors import SeatlineError
from seatline.jobs.models import Job

pytestmark = pytest.mark.django_db

D = dt.date


def next_date_jobs(contract: BillingContract) -> list[dict]:
    return list(
        Job.objects.filter(job_type="update_next_invoice_date", dedupe_key=f"next-invoice-date:{contract.pk}")
        .order_by("id")
        .values_list("parameters", flat=True)
    )


def invoice_first_cycle(contract: BillingContract) -> None:
    BillingSchedule.objects.create(
        contract=contract,
        cycle_index=0,
        cycle_start=contract.start_date,
        cycle_end=contract.start_date + dt.timedelta(days=30),
        schedule_date=contract.start_date,
        status=BillingSchedule.Status.INVOICED,
    )


def test_create_contract_validates_audits_and_enqueues_the_next_invoice_date() -> None:
    account = make_account(currency="EUR")
    contract = services.create_contract(
        account=account, name="Fabrikam CSP", start_date=D(2024, 1, 1), frequency="monthly"
    )
    assert (contract.currency, contract.policy, contract.frequency) == ("EUR", "advance", "monthly")
    assert list(history(contract).values_list("action", flat=True)) == ["create"]
    assert next_date_jobs(contract) == [{"contract_id": contract.pk}]


def test_create_contract_refuses_invalid_terms_and_writes_nothing() -> None:
    account = make_account()
    with pytest.raises(SeatlineError) as refused:
        services.create_contract(
            account=account, name="Bad", start_date=D(2024, 2, 1), end_date=D(2024, 1, 1), frequency="monthly"
        )
    assert (refused.value.code, refused.value.field) == ("invalid_contract", "end_date")
    with pytest.raises(SeatlineError) as refused:
        services.create_contract(account=account, name="No frequency", start_date=D(2024, 1, 1))
    assert (refused.value.code, refused.value.field) == ("invalid_contract", "frequency")
    assert BillingContract.objects.count() == 0
    assert Job.objects.count() == 0


def test_update_contract_changes_terms_until_a_cycle_is_invoiced() -> None:
    contract = services.create_contract(
        account=make_account(), name="Contoso", start_date=D(2024, 1, 1), frequency="monthly"
    )
    services.update_contract(contract=contract, changes={"frequency": "quarterly", "prorate_unit": "months"})
    contract.refresh_from_db()
    assert (contract.frequency, contract.prorate_unit) == ("quarterly", "months")
    invoice_first_cycle(contract)
    for field, value in (
        ("frequency", "annual"),
        ("policy", "arrears"),
        ("start_date", D(2024, 2, 1)),
        ("currency", "EUR"),
        ("prorate_unit", "days"),
    ):
        with pytest.raises(SeatlineError) as refused:
            services.update_contract(contract=contract, changes={"name": "Renamed", field: value})
        assert (refused.value.code, refused.value.field) == ("contract_terms_locked", field)
    contract.refresh_from_db()
    assert (contract.name, contract.frequency, contract.policy, contract.currency) == (
        "Contoso",
        "quarterly",
        "advance",
        "USD",
    )
    # Unlocked fields still change; the same value of a locked term is no change.
    services.update_contract(
        contract=contract,
        changes={"name": "Contoso (renewed)", "frequency": "quarterly", "discount_percent": Decimal("5")},
    )
    contract.refresh_from_db()
    assert (contract.name, contract.discount_percent) == ("Contoso (renewed)", Decimal("5.0000"))


def test_update_contract_enqueues_the_next_invoice_date_only_when_its_inputs_change() -> None:
    contract = services.create_contract(
        account=make_account(), name="Contoso", start_date=D(2024, 1, 1), frequency="monthly"
    )
    Job.objects.all().delete()
    services.update_contract(contract=contract, changes={"name": "Contoso 2"})
    assert next_date_jobs(contract) == []
    services.update_contract(contract=contract, changes={"end_date": D(2024, 12, 31)})
    assert next_date_jobs(contract) == [{"contract_id": contract.pk}]


def test_update_contract_refuses_fields_it_does_not_own() -> None:
    contract = services.create_contract(
        account=make_account(), name="Contoso", start_date=D(2024, 1, 1), frequency="monthly"
    )
    for field in ("type", "next_invoice_date", "id"):
        with pytest.raises(SeatlineError) as refused:
            services.update_contract(contract=contract, changes={field: None})
        assert (refused.value.code, refused.value.field) == ("invalid_field", field)
