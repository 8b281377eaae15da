# SPDX-License-Identifier: AGPL-3.0-or-later
"""`common.bulk`: set-based writes without model instances, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.common.bulk import insert_rows, update_ids, update_rows, upsert_rows
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.jobs.models import Job
from seatline.jobs.services import enqueue_rows
from tests import billing_factories as factories

D = dt.date


@pytest.mark.django_db
def test_insert_returning_ids_in_row_order_and_copy_with_json():
    contract = factories.contract()
    at = clock.now()
    kind = ContentType.objects.get_for_model(BillingContract).pk
    rows = [
        {
            "at": at,
            "actor": "bulk",
            "action": f"action {n}",
            "content_type_id": kind,
            "object_id": str(contract.pk),
            "object_repr": "x",
            "changes": {"total": [None, "1.50"], "n": [n, None]},
            "message": "",
        }
        for n in range(5)
    ]
    ids = insert_rows(AuditEvent, rows[:3], returning=True)
    assert ids == sorted(ids) and len(ids) == 3
    insert_rows(AuditEvent, rows[3:])
    events = list(AuditEvent.objects.filter(actor="bulk").order_by("id"))
    assert [e.action for e in events] == [f"action {n}" for n in range(5)]
    assert [e.pk for e in events[:3]] == ids
    assert events[4].changes == {"total": [None, "1.50"], "n": [4, None]}
    assert events[0].at == at


@pytest.mark.django_db
def test_upsert_updates_null_values_and_ids():
    first, second = factories.contract(name="A"), factories.contract(name="B")
    now = clock.now()
    row = {
        "contract_id": first.pk,
        "cycle_index": 0,
        "cycle_start": D(2018, 1, 1),
        "cycle_end": D(2018, 3, 31),
        "schedule_date": D(2018, 1, 2),
        "status": "pending",
        "run_type": "",
        "message": "",
        "created_at": now,
        "updated_at": now,
    }
    upsert_rows(BillingSchedule, [row], unique=("contract_id", "cycle_start"), update=("status", "message"))
    upsert_rows(
        BillingSchedule,
        [{**row, "status": "invoiced", "message": "again"}, {**row, "contract_id": second.pk}],
        unique=("contract_id", "cycle_start"),
        update=("status", "message"),
    )
    assert sorted(BillingSchedule.objects.values_list("contract_id", "status", "message")) == [
        (first.pk, "invoiced", "again"),
        (second.pk, "pending", ""),
    ]
    BillingContract.objects.filter(pk=first.pk).update(next_invoice_date=D(2018, 4, 2))
    assert (
        update_rows(
            BillingContract,
            key="id",
            columns=["next_invoice_date", "discount_percent"],
            rows=[(first.pk, None, Decimal("5.00")), (second.pk, D(2019, 1, 1), Decimal("0"))],
        )
        == 2
    )
    assert sorted(BillingContract.objects.values_list("pk", "next_invoice_date", "discount_percent")) == [
        (first.pk, None, Decimal("5.0000")),
        (second.pk, D(2019, 1, 1), Decimal("0.0000")),
    ]
    assert update_ids(BillingContract, [first.pk, second.pk], status="inactive") == 2
    assert set(BillingContract.objects.values_list("status", flat=True)) == {"inactive"}
    assert update_ids(BillingContract, [], status="active") == 0


@pytest.mark.django_db
def test_enqueue_rows_writes_waiting_jobs_related_to_their_rows():
    contracts = [factories.contract(name=f"C{n}") for n in range(3)]
    ids = enqueue_rows(
        "update_next_invoice_date", BillingContract, [({"contract_id": c.pk}, c.pk) for c in contracts]
    )
    jobs = list(Job.objects.filter(pk__in=ids).order_by("id"))
    assert [(j.job_type, j.status, j.parameters, j.related, j.attempts, j.max_attempts) for j in jobs] == [
        ("update_next_invoice_date", "waiting", {"contract_id": c.pk}, c, 0, 6) for c in contracts
    ]
