# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from seatline.errors import SeatlineError
from seatline.jobs.models import Job, JobStatus, ScheduledJob
from seatline.jobs.services import cancel_job, enqueue, enqueue_many, retry_job
from tests.jobs.conftest import T0

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_enqueue_creates_a_waiting_job_due_now(moving_clock):
    job = enqueue("test_echo", parameters={"value": 1})
    job.refresh_from_db()
    assert job.status == JobStatus.WAITING
    assert job.get_status_display() == "Waiting"
    assert job.attempts == 0
    assert job.max_attempts == 6
    assert job.parameters == {"value": 1}
    assert job.results == {}
    assert job.scheduled_for == T0
    assert job.created_at == T0
    assert job.type_name == "Test Echo"


def test_enqueue_in_a_rolled_back_transaction_leaves_no_job():
    with pytest.raises(Boom), transaction.atomic():
        enqueue("test_echo", parameters={"value": 1})
        assert Job.objects.count() == 1
        raise Boom
    assert Job.objects.count() == 0


def test_enqueue_refuses_an_unknown_type_and_a_naive_datetime():
    with pytest.raises(SeatlineError) as unknown:
        enqueue("no_such_type")
    assert unknown.value.code == "unknown_job_type"
    with pytest.raises(SeatlineError) as naive:
        enqueue("test_echo", scheduled_for=dt.datetime(2026, 1, 1))  # noqa: DTZ001
    assert naive.value.code == "naive_datetime"
    assert Job.objects.count() == 0


def test_enqueue_refuses_a_type_without_a_handler_so_the_outbox_holds_only_runnable_work():
    with pytest.raises(SeatlineError) as refused:
        enqueue("test_unhandled")
    assert (refused.value.code, refused.value.field) == ("no_handler_installed", "job_type")
    assert "'test_unhandled' has no handler installed here" in refused.value.message
    with pytest.raises(SeatlineError) as many:
        enqueue_many("test_unhandled", [({}, None)])
    assert many.value.code == "no_handler_installed"
    assert Job.objects.count() == 0


def test_enqueue_with_a_pending_dedupe_key_returns_the_existing_job(moving_clock):
    first = enqueue("test_echo", dedupe_key="k1", parameters={"value": 1})
    second = enqueue("test_echo", dedupe_key="k1", parameters={"value": 2})
    assert second.pk == first.pk
    assert Job.objects.count() == 1
    other = enqueue("test_echo", dedupe_key="k2")
    assert other.pk != first.pk
    # Once the job is finished the key is free again.
    Job.objects.filter(pk=first.pk).update(status=JobStatus.SUCCEEDED)
    third = enqueue("test_echo", dedupe_key="k1")
    assert third.pk not in (first.pk, other.pk)
    assert Job.objects.filter(dedupe_key="k1").count() == 2


def test_enqueue_records_the_related_object_and_the_parent(moving_clock):
    schedule = ScheduledJob.objects.create(name="x", job_type="test_echo")
    parent = enqueue("test_echo")
    job = enqueue("test_child", related=schedule, parent=parent, scheduled_for=T0 + dt.timedelta(hours=1))
    job.refresh_from_db()
    assert job.content_type == ContentType.objects.get_for_model(ScheduledJob)
    assert job.object_id == str(schedule.pk)
    assert job.related == schedule
    assert job.parent == parent
    assert list(parent.children.all()) == [job]
    assert job.scheduled_for == T0 + dt.timedelta(hours=1)


@pytest.mark.parametrize("status", [JobStatus.WAITING, JobStatus.DISPATCHED, JobStatus.RETRY])
def test_cancel_from_waiting_dispatched_or_retry(moving_clock, status):
    job = enqueue("test_echo")
    Job.objects.filter(pk=job.pk).update(status=status)
    cancel_job(job)
    assert job.status == JobStatus.CANCELLED
    assert job.finished_at == T0


@pytest.mark.parametrize(
    "status", [JobStatus.IN_PROGRESS, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
)
def test_cancel_refused_from_other_statuses(status):
    job = enqueue("test_echo")
    Job.objects.filter(pk=job.pk).update(status=status)
    with pytest.raises(SeatlineError) as refused:
        cancel_job(job)
    assert refused.value.code == "invalid_job_transition"
    job.refresh_from_db()
    assert job.status == status


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.CANCELLED])
def test_retry_puts_a_failed_or_cancelled_job_back_to_waiting(moving_clock, status):
    job = enqueue("test_echo")
    Job.objects.filter(pk=job.pk).update(
        status=status, attempts=6, error="boom", finished_at=T0, scheduled_for=T0 - dt.timedelta(days=1)
    )
    moving_clock.advance(dt.timedelta(minutes=5))
    retry_job(job)
    assert job.status == JobStatus.WAITING
    assert job.attempts == 0
    assert job.error == ""
    assert job.finished_at is None
    assert job.scheduled_for == T0 + dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    "status",
    [JobStatus.WAITING, JobStatus.DISPATCHED, JobStatus.IN_PROGRESS, JobStatus.RETRY, JobStatus.SUCCEEDED],
)
def test_retry_refused_from_other_statuses(status):
    job = enqueue("test_echo")
    Job.objects.filter(pk=job.pk).update(status=status)
    with pytest.raises(SeatlineError) as refused:
        retry_job(job)
    assert refused.value.code == "invalid_job_transition"


def test_retry_refused_when_another_pending_job_holds_the_dedupe_key():
    job = enqueue("test_echo", dedupe_key="same")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    enqueue("test_echo", dedupe_key="same")
    with pytest.raises(SeatlineError) as refused:
        retry_job(job)
    assert refused.value.code == "duplicate_job"
