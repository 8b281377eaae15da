# SPDX-License-Identifier: AGPL-3.0-or-later
"""Gapless numbering holds when many documents are issued at the same time (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from seatline.invoicing.models import Invoice, Series
from seatline.invoicing.services import issue_invoice
from tests.factories import make_contract, make_draft_invoice
from tests.services import require_postgres_database

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8
PER_WORKER = 5


def test_concurrent_issue_is_gapless_and_unique() -> None:
    require_postgres_database()
    contract = make_contract()
    drafts = [
        make_draft_invoice(contract=contract, total=Decimal("1.00"), balance=Decimal("1.00"))
        for _ in range(WORKERS * PER_WORKER)
    ]
    batches = [drafts[i::WORKERS] for i in range(WORKERS)]
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work(batch: list[Invoice]) -> None:
        try:
            barrier.wait()
            for draft in batch:
                issue_invoice(invoice=Invoice.objects.get(pk=draft.pk))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(Invoice.objects.filter(series=Series.INVOICE).values_list("sequence", flat=True))
    assert sequences == list(range(1, WORKERS * PER_WORKER + 1))
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == WORKERS * PER_WORKER
    assert "INV-000001" in numbers and f"INV-{WORKERS * PER_WORKER:06d}" in numbers
    assert connection.vendor == "postgresql"


def test_issue_on_sqlite_is_gapless_too() -> None:
    contract = make_contract()
    for _ in range(3):
        issue_invoice(invoice=make_draft_invoice(contract=contract))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "INV-000001",
        "INV-000002",
        "INV-000003",
    ]
