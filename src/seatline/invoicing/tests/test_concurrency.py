# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two runs of the same contract at the same time bill each cycle once (PostgreSQL row locks)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from tests import billing_factories as factories
from tests.services import require_postgres_database

from seatline import clock
from seatline.contracts.models import BillingSchedule
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import run_contract

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 6


def test_concurrent_runs_of_one_contract_bill_each_cycle_once() -> None:
    require_postgres_database()
    contract = factories.contract()
    with clock.frozen(dt.date(2018, 1, 1)):
        factories.subscription(contract)
    barrier = threading.Barrier(WORKERS)
    statuses: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            statuses.append(run_contract(contract_id=contract.pk, run_date=dt.date(2018, 7, 5)).status)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == ["invoiced"] + ["skipped"] * (WORKERS - 1)
    assert Invoice.objects.count() == 3
    assert BillingSchedule.objects.filter(status="invoiced").count() == 3
