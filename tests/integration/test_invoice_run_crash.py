# SPDX-License-Identifier: AGPL-3.0-or-later
"""The invoice run survives dead workers: real `seatline worker` processes on the test database
(PostgreSQL only), one of them SIGKILLed in the middle of a chunk; and the same run through the
Celery executor with a real `celery worker` on Redis.

To kill a worker mid-chunk deterministically, the test takes the lock of the invoice number
sequence from a separate connection (`SELECT ... FOR UPDATE`) once the first chunk has
committed: a worker finishing its chunk then waits there, its contracts billed but not committed
(the chunk numbers its documents last), and is killed there.

Whatever happened, the end state must be: every due contract has exactly one regular invoice
for the cycle, the numbers are gapless, one billing schedule per cycle, every chunk succeeded,
each invoice has its follow-up jobs (PDF, e-mail) once, and the date has one report row.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection, transaction

from seatline.contracts.models import BillingSchedule
from seatline.invoicing.models import Invoice, InvoiceLine, InvoiceRun, NumberSequence
from seatline.jobs.models import FINISHED_STATUSES, Job, JobStatus
from seatline.jobs.services import enqueue
from seatline.subscriptions.services import create_subscription
from tests import billing_factories as factories
from tests.jobs.subprocesses import ROOT, database_for_subprocesses, subprocess_env
from tests.services import require_postgres_database, require_service

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = dt.date(2026, 3, 1)  # monthly, in advance: the March cycle is due on the run date
RUN_DATE = dt.date(2026, 3, 5)
CONTRACTS = 60
SUBSCRIPTIONS = 3
CHUNK = 6  # 10 chunks
LEASE = "3"  # seconds: the reaper gives a dead worker's chunk back quickly
RUN_TYPES = ("invoice_run", "invoice_run_chunk")


def seed() -> list[int]:
    ids = []
    for n in range(CONTRACTS):
        contract = factories.contract(name=f"Crash {n:02d}", frequency="monthly", start_date=START)
        for s in range(SUBSCRIPTIONS):
            create_subscription(
                contract=contract,
                name=f"Licence {s}",
                quantity=1 + (n + s) % 7,
                price=Decimal("12.50") + s,
                start_date=START,
            )
        ids.append(contract.pk)
    return ids


def enqueue_run() -> Job:
    with transaction.atomic():
        return enqueue("invoice_run", parameters={"run_date": RUN_DATE.isoformat(), "chunk_size": CHUNK})


def wait_for(what: str, predicate: Callable[[], object], timeout: float, logs: Callable[[], str]) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{logs()}")
        time.sleep(0.05)


class Workers:
    """`seatline worker` subprocesses on the test database, killed at the end of the test."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self.directory = directory
        self.database_url = database_url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            *("-m", "seatline.cli", "worker", "--name", name),
            *("--lease", LEASE, "--poll-interval", "0.1"),
        ]
        with self.log(name).open("ab") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=subprocess_env(f"{self.database_url}?application_name={name}", self.directory),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = process
        wait_for(
            f"worker {name} to start", lambda: f"worker {name} started" in self.text(name), 30, self.logs
        )
        return process

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def text(self, name: str) -> str:
        path = self.log(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.text(name)[-3000:]}" for name in self.processes)

    def chunks_run_by(self, name: str) -> int:
        return sum(1 for line in self.text(name).splitlines() if "(invoice_run_chunk) succeeded" in line)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def worker_processes(tmp_path: Path) -> Iterator[Workers]:
    with database_for_subprocesses(tmp_path) as database_url:
        workers = Workers(tmp_path, database_url)
        try:
            yield workers
        finally:
            workers.stop_all()


@contextmanager
def number_sequence_locked() -> Iterator[psycopg.Connection]:
    """Hold the invoice number sequence's row lock from another connection until released."""
    settings = connection.settings_dict
    holder = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )
    try:
        holder.execute(
            f"SELECT last_number FROM {NumberSequence._meta.db_table} WHERE series = 'invoice' FOR UPDATE"
        )
        yield holder
    finally:
        holder.rollback()
        holder.close()


def backend_blocked_by(holder: psycopg.Connection) -> tuple[int, str] | None:
    """(pid, application name = worker name) of a server process waiting for the holder's lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database() "
            "AND %s = ANY(pg_blocking_pids(pid))",
            [holder.info.backend_pid],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def kill_mid_chunk(workers: Workers, holder: psycopg.Connection) -> Job:
    """Kill a worker waiting to number its chunk's documents; returns that chunk (as it was)."""
    backend, name = wait_for(
        "a worker to wait for the number sequence", lambda: backend_blocked_by(holder), 30, workers.logs
    )
    (chunk,) = Job.objects.filter(
        job_type="invoice_run_chunk", status=JobStatus.IN_PROGRESS, lease_owner=name
    )
    billed = Invoice.objects.count()
    assert 0 < billed < CONTRACTS, f"{billed} invoices when the worker was killed"
    workers.kill(name)
    with connection.cursor() as cursor:  # what TCP keepalive would do for a machine that died
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    assert not Invoice.objects.filter(contract_id__in=chunk.parameters["contract_ids"]).exists()
    return chunk


def wait_first_chunk(workers: Workers) -> None:
    wait_for("the first chunk to commit", lambda: Invoice.objects.count() >= CHUNK, 30, workers.logs)


def run_complete() -> bool:
    statuses = list(Job.objects.filter(job_type__in=RUN_TYPES).values_list("job_type", "status"))
    return (
        bool(statuses)
        and any(t == "invoice_run_chunk" for t, _ in statuses)
        and all(s in FINISHED_STATUSES for _, s in statuses)
    )


def assert_billed_exactly_once(contract_ids: list[int]) -> None:
    invoices = list(
        Invoice.objects.order_by("sequence").values_list(
            "id", "contract_id", "kind", "status", "period_start", "sequence", "number"
        )
    )
    per_contract = Counter(row[1] for row in invoices)
    missing = sorted(set(contract_ids) - set(per_contract))
    duplicated = sorted(c for c, n in per_contract.items() if n > 1)
    assert (missing, duplicated) == ([], []), f"missing {missing}, duplicated {duplicated}"
    assert len(invoices) == len(contract_ids)
    assert {(kind, status, start) for _, _, kind, status, start, _, _ in invoices} == {
        ("regular", "billed", START)
    }
    assert [row[5] for row in invoices] == list(range(1, len(contract_ids) + 1))  # gapless
    assert [row[6] for row in invoices] == [f"INV-{n:06d}" for n in range(1, len(contract_ids) + 1)]
    invoice_of = {contract_id: pk for pk, contract_id, *_ in invoices}
    assert Counter(InvoiceLine.objects.values_list("invoice_id", flat=True)) == {
        pk: SUBSCRIPTIONS for pk in invoice_of.values()
    }
    schedules = sorted(
        BillingSchedule.objects.values_list("contract_id", "cycle_start", "status", "invoice_id")
    )
    assert schedules == sorted((c, START, "invoiced", invoice_of[c]) for c in contract_ids)
    chunks = list(Job.objects.filter(job_type__in=RUN_TYPES).values_list("status", flat=True))
    assert set(chunks) == {JobStatus.SUCCEEDED}, Counter(chunks)
    follow_ups = Counter(
        Job.objects.filter(job_type__in=["create_pdf", "send_email"]).values_list(
            "job_type", "parameters__invoice_id"
        )
    )
    # one PDF job per document (no e-mail job: these contracts do not auto-send)
    assert follow_ups == {("create_pdf", pk): 1 for pk in invoice_of.values()}
    (run,) = InvoiceRun.objects.all()
    assert run.run_date == RUN_DATE and run.finished_at is not None
    assert Counter(run.items.values_list("status", flat=True)) == {"invoiced": len(contract_ids)}


def test_a_worker_killed_mid_chunk_is_replaced_and_nothing_is_billed_twice(tmp_path):
    require_postgres_database()
    ids = seed()
    with worker_processes(tmp_path) as workers:
        enqueue_run()
        workers.start("w1")
        wait_first_chunk(workers)
        with number_sequence_locked() as lock:
            killed = kill_mid_chunk(workers, lock)
        workers.start("w2")
        wait_for("the run to complete", run_complete, 40, workers.logs)
    assert_billed_exactly_once(ids)
    again = Job.objects.get(pk=killed.pk)
    assert (again.status, again.attempts) == (JobStatus.SUCCEEDED, 2)


def test_two_workers_racing_over_one_run_bill_each_contract_once(tmp_path):
    require_postgres_database()
    ids = seed()
    with worker_processes(tmp_path) as workers:
        workers.start("w1")
        workers.start("w2")
        enqueue_run()
        wait_for("the run to complete", run_complete, 40, workers.logs)
        counts = {name: workers.chunks_run_by(name) for name in ("w1", "w2")}
    assert_billed_exactly_once(ids)
    assert sum(counts.values()) == CONTRACTS // CHUNK
    assert all(counts.values()), counts  # both took part


def test_one_of_two_racing_workers_killed_mid_chunk(tmp_path):
    require_postgres_database()
    ids = seed()
    with worker_processes(tmp_path) as workers:
        workers.start("w1")
        workers.start("w2")
        enqueue_run()
        wait_first_chunk(workers)
        with number_sequence_locked() as lock:
            killed = kill_mid_chunk(workers, lock)
        wait_for("the run to complete", run_complete, 40, workers.logs)  # the survivor finishes it
    assert_billed_exactly_once(ids)
    again = Job.objects.get(pk=killed.pk)
    assert (again.status, again.attempts) == (JobStatus.SUCCEEDED, 2)


@pytest.mark.redis
def test_the_invoice_run_through_the_celery_executor(tmp_path, settings):
    require_postgres_database()
    require_service("redis")
    from tests.jobs.test_celery import BROKERS, broker_for_this_process, celery_worker

    settings.SEATLINE_EXECUTOR = "celery"
    url = BROKERS["redis"]
    ids = seed()
    with (
        database_for_subprocesses(tmp_path) as database_url,
        broker_for_this_process(url),
        celery_worker(url, database_url, tmp_path) as log,
    ):
        enqueue_run()  # sent to the broker on commit; its chunks are sent by the worker
        wait_for("the run to complete", run_complete, 40, lambda: log.read_text(errors="replace")[-3000:])
    assert_billed_exactly_once(ids)
