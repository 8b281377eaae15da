# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hands due job rows to Celery (SEATLINE_EXECUTOR = "celery").

Due Waiting/Retry jobs are moved to Dispatched in one transaction and their ids are sent to the
broker only after that transaction commits. A send that fails puts the job back to Waiting; a
message lost later is covered by the dispatch lease: `reap_expired_leases` returns a job that
stayed Dispatched longer than SEATLINE_JOB_DISPATCH_TIMEOUT_SECONDS to Waiting, and it is sent
again. The Celery task claims the row before running it, so duplicates never run twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from seatline import clock
from seatline.jobs.execution import lock_candidate_ids, transition
from seatline.jobs.models import CLAIMABLE_STATUSES, Job, JobStatus
from seatline.jobs.registry import handled_types

logger = logging.getLogger("seatline.jobs")

DISPATCHER = "celery-dispatcher"


def celery_enabled() -> bool:
    return getattr(settings, "SEATLINE_EXECUTOR", "embedded") == "celery"


def dispatch_waiting_jobs(*, job_ids: Iterable[int] | None = None, limit: int = 1000) -> int:
    """Send due jobs to Celery (only when SEATLINE_EXECUTOR is "celery"); returns how many."""
    if not celery_enabled():
        return 0
    now = clock.now()
    timeout = float(getattr(settings, "SEATLINE_JOB_DISPATCH_TIMEOUT_SECONDS", 900))
    candidates = Job.objects.filter(
        status__in=CLAIMABLE_STATUSES, scheduled_for__lte=now, job_type__in=handled_types()
    )
    if job_ids is not None:
        candidates = candidates.filter(pk__in=list(job_ids))
    with transaction.atomic():
        ids = lock_candidate_ids(candidates, limit)
        sent = transition(
            ids,
            CLAIMABLE_STATUSES,
            status=JobStatus.DISPATCHED,
            lease_owner=DISPATCHER,
            lease_expires_at=now + dt.timedelta(seconds=timeout),
        )
        if sent:
            transaction.on_commit(functools.partial(_send, sent))
    return len(sent)


def _send(ids: list[int]) -> None:
    from seatline.jobs.celery_app import run_job

    for pk in ids:
        try:
            run_job.apply_async(args=[pk])
        except Exception as exc:  # broker down: the job waits for the next dispatch
            logger.warning("job %s: could not send to the broker, back to Waiting: %s", pk, exc)
            Job.objects.filter(pk=pk, status=JobStatus.DISPATCHED).update(
                status=JobStatus.WAITING, lease_owner="", lease_expires_at=None
            )
