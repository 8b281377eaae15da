# SPDX-License-Identifier: AGPL-3.0-or-later
"""RetryAfterCommit: a failed attempt whose writes are kept (an attempt log), retried like any failure."""

from __future__ import annotations

import datetime as dt

import pytest

from seatline.audit.models import AuditEvent
from seatline.audit.services import record
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.registry import RetryAfterCommit, handler_override
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from tests.jobs.conftest import T0

pytestmark = pytest.mark.django_db


def logging_failure(job: Job) -> dict:
    record(job, "attempt_logged", message=f"attempt {job.attempts}")
    if job.attempts < 3:
        raise RetryAfterCommit(f"receiver said no on attempt {job.attempts}")
    return {"done_on": job.attempts}


def test_the_attempts_writes_commit_and_the_job_retries_with_backoff(moving_clock):
    with handler_override("test_echo", logging_failure):
        job = enqueue("test_echo")
        Worker("w1").run_until_idle()
        job.refresh_from_db()
        assert (job.status, job.attempts, job.error) == (
            JobStatus.RETRY,
            1,
            "RetryAfterCommit: receiver said no on attempt 1",
        )
        assert job.scheduled_for == T0 + dt.timedelta(seconds=30)
        assert list(AuditEvent.objects.filter(action="attempt_logged").values_list("message", flat=True)) == [
            "attempt 1"
        ]
        for wait in (30, 60):
            moving_clock.advance(dt.timedelta(seconds=wait))
            Worker("w1").run_until_idle()
        job.refresh_from_db()
    assert (job.status, job.attempts, job.results) == (JobStatus.SUCCEEDED, 3, {"done_on": 3})
    assert AuditEvent.objects.filter(action="attempt_logged").count() == 3


def test_the_last_attempt_fails_the_job_and_keeps_its_writes(moving_clock):
    with handler_override("test_echo", logging_failure):
        job = enqueue("test_echo")
        Job.objects.filter(pk=job.pk).update(max_attempts=1)
        Worker("w1").run_until_idle()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert job.finished_at is not None
    assert AuditEvent.objects.filter(action="attempt_logged").count() == 1
