# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Celery dispatch path without a broker process (kombu's in-memory transport)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from seatline.jobs import celery_app
from seatline.jobs.dispatch import dispatch_waiting_jobs
from seatline.jobs.execution import _Heartbeat, claim_due
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.services import enqueue
from tests.jobs.conftest import T0
from tests.jobs.handlers import earlier_unhandled_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_url() -> Iterator[None]:
    previous = celery_app.app.conf.broker_url
    yield
    celery_app.use_broker(previous)


def test_dispatch_does_nothing_with_the_embedded_executor(settings):
    settings.SEATLINE_EXECUTOR = "embedded"
    enqueue("test_echo")
    assert dispatch_waiting_jobs() == 0
    assert Job.objects.get().status == JobStatus.WAITING


def test_enqueue_dispatches_after_commit_and_the_task_runs_the_job_once(
    settings, broker_url, django_capture_on_commit_callbacks, moving_clock
):
    settings.SEATLINE_EXECUTOR = "celery"
    celery_app.use_broker("memory://")
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue("test_echo", parameters={"value": 9})
        unhandled = earlier_unhandled_job()
    job.refresh_from_db()
    assert (job.status, job.lease_owner) == (JobStatus.DISPATCHED, "celery-dispatcher")
    assert job.lease_expires_at == T0 + dt.timedelta(seconds=900)
    unhandled.refresh_from_db()
    assert unhandled.status == JobStatus.WAITING  # no handler: never dispatched
    assert celery_app.run_job(job.pk) == JobStatus.SUCCEEDED
    assert celery_app.run_job(job.pk) == "skipped"  # a second delivery
    job.refresh_from_db()
    assert (job.status, job.attempts, job.results["echo"]) == (JobStatus.SUCCEEDED, 1, 9)


def test_a_failed_send_puts_the_job_back_to_waiting(settings, broker_url, django_capture_on_commit_callbacks):
    settings.SEATLINE_EXECUTOR = "celery"
    celery_app.app.conf.broker_transport_options = {"max_retries": 0}
    celery_app.use_broker("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = enqueue("test_echo")
    finally:
        celery_app.app.conf.broker_transport_options = {}
    job.refresh_from_db()
    assert (job.status, job.lease_owner) == (JobStatus.WAITING, "")


def test_the_heartbeat_extends_the_lease_while_the_job_is_held(moving_clock):
    job = enqueue("test_echo")
    (claimed,) = claim_due("w", lease_seconds=60)
    heartbeat = _Heartbeat(claimed.pk, "w", 60)
    moving_clock.advance(dt.timedelta(seconds=45))
    assert heartbeat.beat() is True
    job.refresh_from_db()
    assert job.lease_expires_at == T0 + dt.timedelta(seconds=105)
    assert job.heartbeat_at == T0 + dt.timedelta(seconds=45)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    assert heartbeat.beat() is False
