# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job types and handlers used by the jobs tests (also imported by Celery test workers with -I)."""

from __future__ import annotations

import os
import threading
import time

from django.db import transaction

from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler, register_job_type
from seatline.jobs.services import enqueue

register_job_type("test_echo", "Test Echo")
register_job_type("test_child", "Test Child")
register_job_type("test_unhandled", "Test Unhandled")
register_job_type("test_own_transactions", "Test Own Transactions")

RUNS: list[tuple[int, int]] = []  # (job id, attempt) of every run in this process
RUNS_LOCK = threading.Lock()


@job_handler("test_echo")
def echo(job: Job) -> dict | None:
    """Behaviour chosen by the parameters: fail_times, permanent, not_applicable, sleep, child."""
    with RUNS_LOCK:
        RUNS.append((job.pk, job.attempts))
    params = job.parameters
    if params.get("sleep"):
        time.sleep(float(params["sleep"]))
    if params.get("child"):
        enqueue("test_child", parameters={"from": job.pk}, parent=job)
    if params.get("not_applicable"):
        raise NotApplicable(params["not_applicable"])
    if params.get("permanent"):
        raise PermanentJobError(params["permanent"])
    if job.attempts <= int(params.get("fail_times", 0)):
        raise RuntimeError(f"boom on attempt {job.attempts}")
    if params.get("return_none"):
        return None
    return {"echo": params.get("value"), "attempt": job.attempts, "pid": os.getpid()}


@job_handler("test_child")
def child(job: Job) -> dict | None:
    return {"parent": job.parent_id}


@job_handler("test_own_transactions", atomic=False)
def own_transactions(job: Job) -> dict | None:
    """Commits a child job in its own transaction, then fails `fail_times` times."""
    with transaction.atomic():
        enqueue("test_child", parameters={"from": job.pk, "attempt": job.attempts}, parent=job)
    if job.attempts <= int(job.parameters.get("fail_times", 0)):
        raise RuntimeError(f"boom on attempt {job.attempts}")
    return {"attempt": job.attempts}


def earlier_unhandled_job(**fields: object) -> Job:
    """A Waiting row of type `test_unhandled` as an earlier installation left it (enqueue refuses
    a type without a handler, so such rows only come from the past)."""
    from seatline import clock
    from seatline.jobs.models import JobStatus

    now = clock.now()
    values: dict[str, object] = {
        "job_type": "test_unhandled",
        "status": JobStatus.WAITING,
        "scheduled_for": now,
        "created_at": now,
    }
    values.update(fields)
    return Job.objects.create(**values)
