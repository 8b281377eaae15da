# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Celery executor against real brokers (Redis, RabbitMQ) and a real `celery worker` process.

The worker subprocess must see the test's database: on PostgreSQL it gets the test database's
URL; on SQLite (an in-memory test database) the test swaps its default connection to a migrated
SQLite file in a temporary directory and hands that file to the worker.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction

from seatline import clock
from seatline.jobs import celery_app
from seatline.jobs.dispatch import dispatch_waiting_jobs
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.services import enqueue
from tests.jobs.subprocesses import ROOT, database_for_subprocesses, subprocess_env
from tests.services import require_service

BROKERS = {
    "redis": "redis://127.0.0.1:6379/13",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


@contextmanager
def celery_worker(broker: str, database_url: str, directory: Path) -> Iterator[Path]:
    log = directory / "celery-worker.log"
    env = subprocess_env(database_url, directory, SEATLINE_EXECUTOR="celery", CELERY_BROKER_URL=broker)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "seatline.jobs.celery_app",
        "worker",
        "--pool",
        "solo",
        "-c",
        "1",
        "--include",
        "tests.jobs.handlers",
        "--loglevel",
        "INFO",
        "--purge",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"seatline-test-{os.getpid()}@%h",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the celery worker did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield log
    finally:
        # The test's work is done: a short grace period, then kill (a warm shutdown on AMQP
        # waits for the broker connection to time out).
        process.terminate()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def broker_for_this_process(url: str) -> Iterator[None]:
    previous = celery_app.app.conf.broker_url
    celery_app.use_broker(url)
    try:
        yield
    finally:
        celery_app.use_broker(previous)


def wait_finished(ids: list[int], timeout: float = 30) -> list[Job]:
    deadline = time.monotonic() + timeout
    while True:
        jobs = list(Job.objects.filter(pk__in=ids).order_by("id"))
        if all(job.is_finished or job.status == JobStatus.RETRY for job in jobs):
            return jobs
        if time.monotonic() > deadline:
            pytest.fail(f"jobs not finished: {[(job.pk, job.status) for job in jobs]}")
        time.sleep(0.1)


@pytest.mark.redis
@pytest.mark.rabbitmq
@pytest.mark.parametrize("broker", sorted(BROKERS))
@pytest.mark.django_db(transaction=True)
def test_celery_workers_run_dispatched_jobs_once(broker, settings, tmp_path, capsys):
    require_service(broker)
    settings.SEATLINE_EXECUTOR = "celery"
    url = BROKERS[broker]
    with (
        database_for_subprocesses(tmp_path) as database_url,
        broker_for_this_process(url),
        celery_worker(url, database_url, tmp_path) as log,
    ):
        with transaction.atomic():  # sent to the broker only after this commits
            jobs = [enqueue("test_echo", parameters={"value": n}) for n in range(5)]
            jobs.append(enqueue("test_echo", parameters={"not_applicable": "nothing to do"}))
            jobs.append(enqueue("test_echo", parameters={"permanent": "no such contract"}))
            later = enqueue("test_echo", scheduled_for=clock.now() + dt.timedelta(hours=1))
            assert Job.objects.filter(status=JobStatus.DISPATCHED).count() == 0
        ids = [job.pk for job in jobs]
        finished = wait_finished(ids)
        assert [job.status for job in finished] == [JobStatus.SUCCEEDED] * 5 + [
            JobStatus.NOT_APPLICABLE,
            JobStatus.FAILED,
        ]
        assert [job.results["echo"] for job in finished[:5]] == [0, 1, 2, 3, 4]
        assert {job.results["pid"] for job in finished[:5]} != {os.getpid()}
        assert all(job.attempts == 1 and job.lease_owner == "" for job in finished)
        assert all(job.results.get("pid") != os.getpid() for job in finished)
        assert finished[5].results == {"reason": "nothing to do"}
        assert finished[6].error == "no such contract"
        later.refresh_from_db()
        assert later.status == JobStatus.WAITING  # not due: not dispatched

        # A message delivered twice (or a stale one) never runs a job again.
        celery_app.run_job.apply_async(args=[ids[0]])
        celery_app.run_job.apply_async(args=[ids[0]])
        # A job made due by the dispatcher (the scheduler's tick) runs too.
        Job.objects.filter(pk=later.pk).update(scheduled_for=clock.now())
        assert dispatch_waiting_jobs() == 1
        (ran_later,) = wait_finished([later.pk])
        assert ran_later.status == JobStatus.SUCCEEDED
        first = Job.objects.get(pk=ids[0])
        assert (first.status, first.attempts) == (JobStatus.SUCCEEDED, 1)
        deadline = time.monotonic() + 10
        while log.read_text().count("succeeded in") < len(ids) + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        text = log.read_text()
        assert text.count("succeeded in") == len(ids) + 3
        assert text.count(": 'skipped'") == 2
