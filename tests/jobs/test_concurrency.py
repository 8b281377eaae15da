# SPDX-License-Identifier: AGPL-3.0-or-later
"""Workers racing over the same rows (PostgreSQL: row locks with SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections, transaction

from seatline.jobs.models import Job, JobStatus
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from tests.jobs import handlers
from tests.services import require_postgres_database


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_over_fifty_jobs_run_each_exactly_once():
    require_postgres_database()
    with transaction.atomic():
        ids = [enqueue("test_echo", parameters={"value": n, "sleep": 0.005}).pk for n in range(50)]
    counts: dict[str, int] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(worker: Worker) -> None:
        try:
            start.wait()
            counts[worker.name] = worker.run_until_idle()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(Worker(name),)) for name in ("race-a", "race-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    runs = Counter(pk for pk, _ in handlers.RUNS)
    assert sorted(runs) == sorted(ids)
    assert set(runs.values()) == {1}
    assert sum(counts.values()) == 50
    assert counts["race-a"] > 0 and counts["race-b"] > 0
    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {JobStatus.SUCCEEDED}
    assert set(Job.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_candidate_is_skipped_not_waited_for():
    require_postgres_database()
    first = enqueue("test_echo")
    second = enqueue("test_echo")
    claimed: list[int | None] = []
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Job.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(10)
    job = Worker("skipper").claim()
    claimed.append(job.pk if job else None)
    release.set()
    holder.join()
    assert claimed == [second.pk]
