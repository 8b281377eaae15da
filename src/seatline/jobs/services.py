# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes on jobs: the outbox API (`enqueue`) and the manual transitions (cancel, retry)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from seatline import clock
from seatline.common.bulk import insert_rows
from seatline.errors import SeatlineError
from seatline.jobs.models import (
    CANCELLABLE_STATUSES,
    RETRIABLE_STATUSES,
    UNFINISHED_STATUSES,
    Job,
    JobStatus,
)
from seatline.jobs.registry import has_handler, is_known_type

logger = logging.getLogger("seatline.jobs")


def enqueue(
    job_type: str,
    *,
    parameters: dict | None = None,
    scheduled_for: dt.datetime | None = None,
    dedupe_key: str | None = None,
    related: models.Model | None = None,
    parent: Job | None = None,
) -> Job:
    """Create a Waiting job in the current transaction (the outbox).

    The row commits or rolls back with the change that needs it; nothing is sent anywhere before
    the commit. With a `dedupe_key` that an unfinished job already holds, that job is returned and
    nothing is created. A type without a handler in this installation is refused
    (`no_handler_installed`): nothing would ever run it.
    """
    _check_type(job_type)
    if scheduled_for is not None and scheduled_for.tzinfo is None:
        raise SeatlineError(
            "naive_datetime", "scheduled_for must be an aware datetime", field="scheduled_for"
        )
    if related is not None and related.pk is None:
        raise SeatlineError("unsaved_related", "the related object must be saved first", field="related")
    if dedupe_key is not None:
        existing = _pending_with_key(dedupe_key)
        if existing is not None:
            return existing
    now = clock.now()
    job = Job(
        job_type=job_type,
        status=JobStatus.WAITING,
        parameters=dict(parameters or {}),
        scheduled_for=scheduled_for or now,
        created_at=now,
        dedupe_key=dedupe_key,
        parent=parent,
    )
    if related is not None:
        job.content_type = ContentType.objects.get_for_model(related)
        job.object_id = str(related.pk)
    if dedupe_key is None:
        job.save(force_insert=True)
    else:
        try:
            with transaction.atomic():
                job.save(force_insert=True)
        except IntegrityError:
            # A concurrent transaction created the same pending job first.
            existing = _pending_with_key(dedupe_key)
            if existing is None:
                raise
            return existing
    if getattr(settings, "SEATLINE_EXECUTOR", "embedded") == "celery":
        from seatline.jobs.dispatch import dispatch_waiting_jobs

        transaction.on_commit(functools.partial(dispatch_waiting_jobs, job_ids=[job.pk]), robust=True)
    return job


def enqueue_many(
    job_type: str,
    items: Sequence[tuple[dict | None, models.Model | None]],
    *,
    scheduled_for: dt.datetime | None = None,
) -> list[Job]:
    """`enqueue` for many jobs of one type without dedupe keys, in one INSERT: one job per
    (parameters, related object) pair (e.g. the follow-up jobs of a batch of issued invoices)."""
    _check_type(job_type)
    if scheduled_for is not None and scheduled_for.tzinfo is None:
        raise SeatlineError(
            "naive_datetime", "scheduled_for must be an aware datetime", field="scheduled_for"
        )
    now = clock.now()
    jobs = []
    for parameters, related in items:
        if related is not None and related.pk is None:
            raise SeatlineError("unsaved_related", "the related object must be saved first", field="related")
        job = Job(
            job_type=job_type,
            status=JobStatus.WAITING,
            parameters=dict(parameters or {}),
            scheduled_for=scheduled_for or now,
            created_at=now,
            parent=None,
        )
        if related is not None:
            job.content_type = ContentType.objects.get_for_model(related)
            job.object_id = str(related.pk)
        jobs.append(job)
    if not jobs:
        return []
    Job.objects.bulk_create(jobs)
    if getattr(settings, "SEATLINE_EXECUTOR", "embedded") == "celery":
        from seatline.jobs.dispatch import dispatch_waiting_jobs

        transaction.on_commit(
            functools.partial(dispatch_waiting_jobs, job_ids=[job.pk for job in jobs]), robust=True
        )
    return jobs


def enqueue_rows(job_type: str, model: type[models.Model], items: Sequence[tuple[dict, int]]) -> list[int]:
    """`enqueue_many` for many jobs of one type whose related objects are rows of `model`, given
    as (parameters, primary key) pairs, written without model instances (an invoice run chunk's
    follow-up jobs): one statement; returns the new job ids in order."""
    _check_type(job_type)
    if not items:
        return []
    now = clock.now()
    content_type_id = ContentType.objects.get_for_model(model).pk
    ids = insert_rows(
        Job,
        [
            {
                "job_type": job_type,
                "status": JobStatus.WAITING,
                "parameters": dict(parameters or {}),
                "results": {},
                "scheduled_for": now,
                "created_at": now,
                "content_type_id": content_type_id,
                "object_id": str(pk),
                "parent_id": None,
            }
            for parameters, pk in items
        ],
        returning=True,
    )
    if getattr(settings, "SEATLINE_EXECUTOR", "embedded") == "celery":
        from seatline.jobs.dispatch import dispatch_waiting_jobs

        transaction.on_commit(functools.partial(dispatch_waiting_jobs, job_ids=ids), robust=True)
    return ids


def _check_type(job_type: str) -> None:
    if not is_known_type(job_type):
        raise SeatlineError("unknown_job_type", f"unknown job type {job_type!r}", field="job_type")
    if not has_handler(job_type):
        raise SeatlineError(
            "no_handler_installed",
            f"job type {job_type!r} has no handler installed here: a job of it would never run, "
            "so none is enqueued",
            field="job_type",
        )


def _pending_with_key(dedupe_key: str) -> Job | None:
    return Job.objects.filter(dedupe_key=dedupe_key, status__in=UNFINISHED_STATUSES).order_by("id").first()


def cancel_job(job: Job) -> Job:
    """Cancel a Waiting, Dispatched or Retry job (reference 9.2)."""
    now = clock.now()
    updated = Job.objects.filter(pk=job.pk, status__in=CANCELLABLE_STATUSES).update(
        status=JobStatus.CANCELLED,
        finished_at=now,
        lease_owner="",
        lease_expires_at=None,
    )
    job.refresh_from_db()
    if not updated:
        raise SeatlineError(
            "invalid_job_transition",
            f"job #{job.pk} is {job.get_status_display()}; only Waiting, Dispatched or Retry jobs can be cancelled",
            field="status",
        )
    logger.info("job %s cancelled", job.pk)
    return job


def retry_job(job: Job) -> Job:
    """Put a Failed or Cancelled job back to Waiting, due now, with its attempts reset."""
    now = clock.now()
    if job.dedupe_key and _pending_with_key(job.dedupe_key) not in (None, job):
        raise SeatlineError(
            "duplicate_job",
            f"another unfinished job holds the dedupe key {job.dedupe_key!r}",
            field="dedupe_key",
        )
    try:
        with transaction.atomic():
            updated = Job.objects.filter(pk=job.pk, status__in=RETRIABLE_STATUSES).update(
                status=JobStatus.WAITING,
                attempts=0,
                scheduled_for=now,
                started_at=None,
                finished_at=None,
                lease_owner="",
                lease_expires_at=None,
                heartbeat_at=None,
                error="",
            )
    except IntegrityError as exc:
        raise SeatlineError(
            "duplicate_job", f"another unfinished job holds the dedupe key {job.dedupe_key!r}"
        ) from exc
    job.refresh_from_db()
    if not updated:
        raise SeatlineError(
            "invalid_job_transition",
            f"job #{job.pk} is {job.get_status_display()}; only Failed or Cancelled jobs can be retried",
            field="status",
        )
    logger.info("job %s put back to Waiting", job.pk)
    if getattr(settings, "SEATLINE_EXECUTOR", "embedded") == "celery":
        from seatline.jobs.dispatch import dispatch_waiting_jobs

        transaction.on_commit(functools.partial(dispatch_waiting_jobs, job_ids=[job.pk]), robust=True)
    return job
