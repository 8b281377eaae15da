# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from seatline.errors import SeatlineError
from seatline.jobs.models import Job, JobStatus, ScheduledJob
from seatline.jobs.services import enqueue_many


@pytest.mark.django_db
def test_enqueue_many_creates_one_waiting_job_per_item_in_one_insert(django_assert_num_queries):
    one = ScheduledJob.objects.create(name="one", job_type="invoice_run")
    two = ScheduledJob.objects.create(name="two", job_type="invoice_run")
    ContentType.objects.get_for_model(ScheduledJob)  # cached from here on
    with django_assert_num_queries(1):
        jobs = enqueue_many("update_next_invoice_date", [({"n": 1}, one), ({"n": 2}, two), (None, None)])
    rows = list(Job.objects.order_by("id"))
    assert [(j.job_type, j.status, j.parameters, j.related) for j in rows] == [
        ("update_next_invoice_date", JobStatus.WAITING, {"n": 1}, one),
        ("update_next_invoice_date", JobStatus.WAITING, {"n": 2}, two),
        ("update_next_invoice_date", JobStatus.WAITING, {}, None),
    ]
    assert [j.pk for j in jobs] == [j.pk for j in rows]
    assert enqueue_many("update_next_invoice_date", []) == []


@pytest.mark.django_db
def test_enqueue_many_refuses_unknown_types_and_unsaved_objects_and_rolls_back_with_its_caller():
    with pytest.raises(SeatlineError) as err:
        enqueue_many("no_such_job", [({}, None)])
    assert err.value.code == "unknown_job_type"
    with pytest.raises(SeatlineError) as err:
        enqueue_many("update_next_invoice_date", [({}, ScheduledJob(name="unsaved"))])
    assert err.value.code == "unsaved_related"
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_many("update_next_invoice_date", [({}, None)])
        raise RuntimeError("the caller fails")
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_many_dispatches_after_commit_with_the_celery_executor(
    settings, django_capture_on_commit_callbacks
):
    settings.SEATLINE_EXECUTOR = "celery"
    with django_capture_on_commit_callbacks() as callbacks:
        jobs = enqueue_many("update_next_invoice_date", [({}, None), ({}, None)])
    assert len(callbacks) == 1
    assert callbacks[0].keywords == {"job_ids": [job.pk for job in jobs]}
