# SPDX-License-Identifier: AGPL-3.0-or-later
"""How a job row is claimed, run and finished; shared by the embedded worker and Celery tasks.

Claiming is a conditional transition (Waiting/Retry/Dispatched -> In progress) made in one
transaction: on PostgreSQL the candidate rows are locked with ``SELECT ... FOR UPDATE SKIP
LOCKED`` so concurrent workers take different jobs; on SQLite (transactions serialised in
IMMEDIATE mode) a conditional ``UPDATE ... WHERE status IN (...)`` is enough. Either way a job is
run by one claimer only, even when a Celery message is delivered twice.

The handler runs in its own atomic block and the job's final status is written in that same
transaction, guarded by the lease (``lease_owner`` + In progress): if a reaper gave the job away
meanwhile, the handler's writes roll back instead of committing twice.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import threading
import traceback
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import Case, F, Value, When

from seatline import clock
from seatline.jobs.models import CLAIMABLE_STATUSES, Job, JobStatus
from seatline.jobs.registry import (
    NotApplicable,
    PermanentJobError,
    RetryAfterCommit,
    get_batch_handler,
    get_handler,
    handled_types,
    runs_in_transaction,
)

logger = logging.getLogger("seatline.jobs")

TRACEBACK_LINES = 12


class LeaseLost(Exception):
    """The job was taken from this worker (its lease expired) while the handler ran."""


def retry_delay(attempt: int) -> dt.timedelta:
    """Backoff after failed attempt `attempt` (1-based): base * 2^(attempt-1), capped."""
    base = float(getattr(settings, "SEATLINE_JOB_RETRY_BASE_SECONDS", 30))
    cap = float(getattr(settings, "SEATLINE_JOB_RETRY_MAX_SECONDS", 3600))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(attempt - 1, 0)))


def lock_candidate_ids(candidates: models.QuerySet[Job], limit: int) -> list[int]:
    """Ids of up to `limit` candidate rows, locked (PostgreSQL, skipping locked rows) when possible.

    Call inside ``transaction.atomic()``; the caller then transitions them conditionally.
    """
    ordered = candidates.order_by("scheduled_for", "id")
    if connection.features.has_select_for_update_skip_locked:
        ordered = ordered.select_for_update(skip_locked=True)
    return list(ordered.values_list("id", flat=True)[:limit])


def transition(ids: Iterable[int], from_statuses: Iterable[str], **values: object) -> list[int]:
    """Move the rows `ids` that are still in `from_statuses` to `values`; returns the ids moved."""
    ids = list(ids)
    statuses = list(from_statuses)
    if not ids:
        return []
    if connection.features.has_select_for_update_skip_locked:
        # Rows already locked by lock_candidate_ids: one statement moves them all.
        moved = list(Job.objects.filter(pk__in=ids, status__in=statuses).values_list("id", flat=True))
        Job.objects.filter(pk__in=moved).update(**values)
        return moved
    return [pk for pk in ids if Job.objects.filter(pk=pk, status__in=statuses).update(**values)]


def claim_values(owner: str, lease_seconds: float, now: dt.datetime) -> dict[str, object]:
    return {
        "status": JobStatus.IN_PROGRESS,
        "attempts": F("attempts") + 1,
        "started_at": now,
        "finished_at": None,
        "lease_owner": owner,
        "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
        "heartbeat_at": now,
    }


def claim_due(
    owner: str, *, lease_seconds: float = 60, limit: int = 1, job_type: str | None = None
) -> list[Job]:
    """Claim up to `limit` due Waiting/Retry jobs whose type has a handler (of `job_type` only,
    when given); they are In progress."""
    now = clock.now()
    types = [job_type] if job_type is not None else handled_types()
    candidates = Job.objects.filter(status__in=CLAIMABLE_STATUSES, scheduled_for__lte=now, job_type__in=types)
    with transaction.atomic():
        ids = lock_candidate_ids(candidates, limit)
        claimed = transition(ids, CLAIMABLE_STATUSES, **claim_values(owner, lease_seconds, now))
    return list(Job.objects.filter(pk__in=claimed).order_by("scheduled_for", "id"))


def claim_job(job_id: int, owner: str, *, lease_seconds: float = 60) -> Job | None:
    """Claim one given job (Celery delivery): None when it is not claimable (any more)."""
    now = clock.now()
    statuses = (*CLAIMABLE_STATUSES, JobStatus.DISPATCHED)
    candidates = Job.objects.filter(
        pk=job_id, status__in=statuses, scheduled_for__lte=now, job_type__in=handled_types()
    )
    with transaction.atomic():
        ids = lock_candidate_ids(candidates, 1)
        claimed = transition(ids, statuses, **claim_values(owner, lease_seconds, now))
    return Job.objects.get(pk=claimed[0]) if claimed else None


def _finish(job: Job, owner: str, status: str, **values: object) -> bool:
    values.setdefault("lease_owner", "")
    values.setdefault("lease_expires_at", None)
    return bool(
        Job.objects.filter(pk=job.pk, lease_owner=owner, status=JobStatus.IN_PROGRESS).update(
            status=status, **values
        )
    )


def _failure_results(exc: BaseException, attempt: int) -> dict[str, object]:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    summary = "".join(lines).strip().splitlines()[-TRACEBACK_LINES:]
    return {
        "reason": str(exc) or type(exc).__name__,
        "error_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "attempt": attempt,
        "traceback": summary,
    }


class _Heartbeat:
    """Extends the lease of the job (or of a batch's jobs) from a side thread while its handler runs."""

    def __init__(self, job_id: int | list[int], owner: str, lease_seconds: float) -> None:
        self.job_id = job_id
        self.job_ids = job_id if isinstance(job_id, list) else [job_id]
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.interval = max(lease_seconds / 3.0, 0.05)
        self._stop = threading.Event()
        context = contextvars.copy_context()  # keeps the (possibly simulated) clock
        self._thread = threading.Thread(
            target=context.run, args=(self._run,), name=f"heartbeat-job-{job_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> bool:
        now = clock.now()
        return bool(
            Job.objects.filter(
                pk__in=self.job_ids, lease_owner=self.owner, status=JobStatus.IN_PROGRESS
            ).update(lease_expires_at=now + dt.timedelta(seconds=self.lease_seconds), heartbeat_at=now)
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.beat():
                        return
                except DatabaseError as exc:  # e.g. SQLite busy while the handler writes
                    logger.debug("heartbeat of job %s skipped: %s", self.job_id, exc)
        finally:
            connections.close_all()


def execute(job: Job, owner: str, *, lease_seconds: float = 60) -> str:
    """Run the handler of a job this owner has claimed and record the outcome; returns the status."""
    handler = get_handler(job.job_type)
    if handler is None:  # the handler went away between claim and run: give the job back
        Job.objects.filter(pk=job.pk, lease_owner=owner, status=JobStatus.IN_PROGRESS).update(
            status=JobStatus.WAITING, attempts=F("attempts") - 1, lease_owner="", lease_expires_at=None
        )
        return JobStatus.WAITING
    # Inside an outer transaction (tests, a simulation) nobody else can see the lease: no heartbeat.
    heartbeat = None
    if not transaction.get_connection().in_atomic_block:
        heartbeat = _Heartbeat(job.pk, owner, lease_seconds)
        heartbeat.start()
    try:
        return _run_handler(job, owner, handler)
    finally:
        if heartbeat is not None:
            heartbeat.stop()


def _run_handler(job: Job, owner: str, handler: object) -> str:
    assert callable(handler)
    atomic = runs_in_transaction(job.job_type)
    try:
        with transaction.atomic() if atomic else contextlib.nullcontext():
            try:
                result = handler(job)
            except RetryAfterCommit as exc:  # keep the attempt's writes, fail the attempt
                status, recorded = _failed_attempt(job, owner, exc)
                if not recorded:
                    raise LeaseLost(f"job {job.pk} is no longer leased by {owner}") from exc
                return status
            if result is not None and not isinstance(result, dict):
                raise TypeError(f"a job handler returns a dict or None, not {type(result).__name__}")
            if not _finish(
                job, owner, JobStatus.SUCCEEDED, results=result or {}, error="", finished_at=clock.now()
            ):
                raise LeaseLost(f"job {job.pk} is no longer leased by {owner}")
    except LeaseLost:
        if atomic:
            logger.warning("job %s: lease lost while running, its work was rolled back", job.pk)
        else:
            logger.warning("job %s: lease lost while running (its handler commits its own work)", job.pk)
        return "lease_lost"
    except NotApplicable as exc:
        _finish(
            job,
            owner,
            JobStatus.NOT_APPLICABLE,
            results={"reason": exc.reason},
            error="",
            finished_at=clock.now(),
        )
        logger.info("job %s (%s): not applicable: %s", job.pk, job.job_type, exc.reason)
        return JobStatus.NOT_APPLICABLE
    except PermanentJobError as exc:
        results = _failure_results(exc, job.attempts)
        _finish(
            job, owner, JobStatus.FAILED, results=results, error=results["reason"], finished_at=clock.now()
        )
        logger.warning("job %s (%s) failed: %s", job.pk, job.job_type, exc)
        return JobStatus.FAILED
    except Exception as exc:
        return _failed_attempt(job, owner, exc)[0]
    logger.info("job %s (%s) succeeded", job.pk, job.job_type)
    return JobStatus.SUCCEEDED


def _failed_attempt(job: Job, owner: str, exc: Exception) -> tuple[str, bool]:
    """Record a failed attempt: Retry after the backoff, or Failed when the attempts are used up.
    The status, and whether it was recorded (False: the lease was lost meanwhile)."""
    results = _failure_results(exc, job.attempts)
    error = f"{type(exc).__name__}: {results['reason']}"
    if job.attempts >= job.max_attempts:
        recorded = _finish(
            job, owner, JobStatus.FAILED, results=results, error=error, finished_at=clock.now()
        )
        logger.warning("job %s (%s) failed after %s attempts: %s", job.pk, job.job_type, job.attempts, error)
        return JobStatus.FAILED, recorded
    retry_at = clock.now() + retry_delay(job.attempts)
    results["retry_at"] = retry_at.isoformat()
    recorded = _finish(job, owner, JobStatus.RETRY, results=results, error=error, scheduled_for=retry_at)
    logger.info(
        "job %s (%s) attempt %s failed, retry at %s: %s", job.pk, job.job_type, job.attempts, retry_at, error
    )
    return JobStatus.RETRY, recorded


def execute_batch(jobs: list[Job], owner: str, *, lease_seconds: float = 60) -> dict[int, str]:
    """Run the batch handler of jobs of one type this owner has claimed and record each job's
    outcome (see `registry.batch_job_handler`); returns the status of each job by id. Types
    without a batch handler run one by one (`execute`)."""
    if not jobs:
        return {}
    batch = get_batch_handler(jobs[0].job_type)
    if batch is None or any(job.job_type != jobs[0].job_type for job in jobs):
        return {job.pk: execute(job, owner, lease_seconds=lease_seconds) for job in jobs}
    heartbeat = None
    if not transaction.get_connection().in_atomic_block:
        heartbeat = _Heartbeat([job.pk for job in jobs], owner, lease_seconds)
        heartbeat.start()
    try:
        try:
            outcomes: dict[int, object] = dict(batch[0](jobs))
        except Exception as exc:  # the whole batch failed: every job records it
            outcomes = {job.pk: exc for job in jobs}
        return _record_batch(jobs, owner, outcomes)
    finally:
        if heartbeat is not None:
            heartbeat.stop()


def _record_batch(jobs: list[Job], owner: str, outcomes: dict[int, object]) -> dict[int, str]:
    statuses: dict[int, str] = {}
    succeeded: list[tuple[Job, dict[str, object]]] = []
    for job in jobs:
        outcome = outcomes.get(
            job.pk, RuntimeError(f"the batch handler returned no outcome for job {job.pk}")
        )
        if outcome is None or isinstance(outcome, dict):
            succeeded.append((job, outcome or {}))
        elif isinstance(outcome, Exception):
            statuses[job.pk] = _record_failure(job, owner, outcome)
        else:
            error = TypeError(
                f"a batch handler returns a dict, None or an exception per job, not {outcome!r}"
            )
            statuses[job.pk] = _record_failure(job, owner, error)
    if succeeded:
        field = Job._meta.get_field("results")
        results = Case(
            *[When(pk=job.pk, then=Value(result, output_field=field)) for job, result in succeeded],
            output_field=field,
        )
        ids = [job.pk for job, _ in succeeded]
        now = clock.now()
        updated = Job.objects.filter(pk__in=ids, lease_owner=owner, status=JobStatus.IN_PROGRESS).update(
            status=JobStatus.SUCCEEDED,
            results=results,
            error="",
            finished_at=now,
            lease_owner="",
            lease_expires_at=None,
        )
        finished = set(ids)
        if updated != len(ids):  # some were given away meanwhile: which ones did this update finish?
            finished = set(
                Job.objects.filter(pk__in=ids, status=JobStatus.SUCCEEDED, finished_at=now).values_list(
                    "pk", flat=True
                )
            )
        for pk in ids:
            statuses[pk] = JobStatus.SUCCEEDED if pk in finished else "lease_lost"
            if pk not in finished:
                logger.warning("job %s: lease lost while running (its handler commits its own work)", pk)
    return statuses


def _record_failure(job: Job, owner: str, exc: Exception) -> str:
    """Record one job's exception as `_run_handler` does (after the handler's own commits)."""
    if isinstance(exc, NotApplicable):
        _finish(
            job,
            owner,
            JobStatus.NOT_APPLICABLE,
            results={"reason": exc.reason},
            error="",
            finished_at=clock.now(),
        )
        return JobStatus.NOT_APPLICABLE
    if isinstance(exc, PermanentJobError):
        results = _failure_results(exc, job.attempts)
        _finish(
            job, owner, JobStatus.FAILED, results=results, error=results["reason"], finished_at=clock.now()
        )
        logger.warning("job %s (%s) failed: %s", job.pk, job.job_type, exc)
        return JobStatus.FAILED
    return _failed_attempt(job, owner, exc)[0]


def run_job_by_id(job_id: int, owner: str, *, lease_seconds: float = 60) -> str:
    """Claim and run one given job (the Celery task); "skipped" when it was not claimable."""
    job = claim_job(job_id, owner, lease_seconds=lease_seconds)
    if job is None:
        return "skipped"
    return execute(job, owner, lease_seconds=lease_seconds)


def reap_expired_leases(now: dt.datetime | None = None) -> int:
    """Give back jobs whose lease expired: In progress (dead worker) and Dispatched (lost message).

    An In progress job goes back to Waiting (its attempt was counted when it was claimed), or to
    Failed when it has used all its attempts. Returns the number of jobs changed.
    """
    now = now or clock.now()
    expired = {"lease_expires_at__lt": now}
    note = "the lease of worker {owner} expired: the worker stopped or lost the database"
    count = 0
    with transaction.atomic():
        for job in Job.objects.filter(status=JobStatus.IN_PROGRESS, **expired).only(
            "id", "lease_owner", "attempts", "max_attempts"
        ):
            final = job.attempts >= job.max_attempts
            values: dict[str, object] = {
                "status": JobStatus.FAILED if final else JobStatus.WAITING,
                "lease_owner": "",
                "lease_expires_at": None,
                "error": note.format(owner=job.lease_owner or "?"),
            }
            if final:
                values["finished_at"] = now
            else:
                values["scheduled_for"] = now
            count += Job.objects.filter(
                pk=job.pk, status=JobStatus.IN_PROGRESS, lease_owner=job.lease_owner, **expired
            ).update(**values)
        count += Job.objects.filter(status=JobStatus.DISPATCHED, **expired).update(
            status=JobStatus.WAITING, lease_owner="", lease_expires_at=None
        )
    if count:
        logger.warning("reaped %s job(s) with an expired lease", count)
    return count
