# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job types and handlers used by the jobs tests (also imported by Celery test workers with -I)."""

from __future__ import annotations

import os
import threading
import time

from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler, register_job_type
from seatline.jobs.services import enqueue

register_job_type("test_echo", "Test Echo")
register_job_type("test_child", "Test Child")
register_job_type("test_unhandled", "Test Unhandled")

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
