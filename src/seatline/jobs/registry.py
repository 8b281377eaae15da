# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job types and their handlers.

The handler contract
====================

An app registers the handler of a job type in its ``<app>/tasks.py`` (imported at start-up by
``JobsConfig.ready`` for every installed ``seatline.*`` app that has one)::

    from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler
    from seatline.jobs.models import Job

    @job_handler("update_next_invoice_date")
    def update_next_invoice_date(job: Job) -> dict | None:
        contract = job.related              # or Contract.objects.get(pk=job.parameters["contract_id"])
        if contract is None:
            raise PermanentJobError("the contract no longer exists")
        if not contract.needs_update:
            raise NotApplicable("the next invoice date is already current")
        ...
        return {"next_invoice_date": "2026-12-01"}   # stored in Job.results

Rules:

* One handler per job type; it receives the `Job` row (``job.parameters``, ``job.related``,
  ``job.parent``, ``job.attempts`` = this run's attempt number, 1-based). Do not save the job row
  yourself: the executor records status, results and timestamps.
* The handler runs inside its own ``transaction.atomic()`` block, and the job's final status is
  written in that same transaction: its database writes commit together with "Succeeded", or
  roll back together on any exception. Jobs it enqueues (``services.enqueue``) are part of it.
  Work outside the database (HTTP calls to a provider, e-mail) must be idempotent or guarded by
  state the handler re-checks, because a run may be repeated after a failure or a dead worker.
* Return a JSON-serialisable ``dict`` (stored in ``Job.results``) or ``None``.
* ``raise NotApplicable("reason")``: nothing to do; status Not Applicable, the reason in results.
* ``raise PermanentJobError("reason")``: retrying cannot help; status Failed at once.
* ``raise RetryAfterCommit("reason")``: this attempt failed but its writes are worth keeping (a
  delivery attempt log): they commit, and the job is retried like any failure (below), or Failed
  when its attempts are used up. The handler sees ``job.attempts`` / ``job.max_attempts`` to know
  whether this was the last attempt.
* Any other exception: status Retry, run again after an exponential backoff (30 s, 60 s, 120 s,
  ... capped; settings ``SEATLINE_JOB_RETRY_BASE_SECONDS`` / ``SEATLINE_JOB_RETRY_MAX_SECONDS``)
  until ``max_attempts`` (6: one try + 5 retries) is used up; then Failed, with the error and a
  traceback summary in results.
* A job type without a handler in this installation is never enqueued: ``services.enqueue``
  refuses it (``SeatlineError`` code ``no_handler_installed``), so the outbox holds only work
  something will do. Callers with optional follow-up work check ``has_handler(key)`` first. A
  row left by an earlier installation whose type has no handler here is never run and never
  failed: it stays Waiting and is reported as "no handler installed" (worker log, admin).
* ``@job_handler(key, atomic=False)``: the handler runs outside the executor's transaction and
  manages its own (each of its writes commits when its own ``atomic()`` block ends). Use it only
  for side effects that must record their progress durably *before* an outside call (an e-mail
  handed to an SMTP server: the "sending" mark must survive a crash so a retried job does not
  send again). Its writes do not roll back with a failure; the job's final status is still
  recorded by the executor.
* ``@batch_job_handler(key, size=N)`` (beside the single-job handler of the same type, which must
  be ``atomic=False``): the embedded worker claims up to N due jobs of that type at once and hands
  them to the batch handler in one call (many small jobs, e.g. one PDF per invoice, without one
  claim, handler call and finish per row). The batch handler manages its own transactions like
  an ``atomic=False`` handler and returns one outcome per job id: the results dict (or None), or
  the exception that job would have raised (`NotApplicable`, `PermanentJobError`, any other:
  retried); a job it leaves out is retried. An exception raised by the batch handler itself
  fails every job of the batch. Its work must be idempotent per job: after a crash mid-batch the
  unfinished jobs run again. Celery deliveries and `run_job_by_id` still use the single handler.
* Long work should fan out: enqueue child jobs with ``parent=job`` (e.g. Invoice Run Chunk jobs of
  an Invoice Run) rather than hold one transaction for thousands of contracts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from seatline.jobs.models import Job

Handler = Callable[["Job"], "dict[str, Any] | None"]
BatchHandler = Callable[["list[Job]"], "dict[int, dict[str, Any] | None | Exception]"]
H = TypeVar("H", bound=Callable[..., Any])


class NotApplicable(Exception):
    """Raised by a handler when there is nothing to do; the job ends Not Applicable."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help; the job ends Failed at once."""


class RetryAfterCommit(Exception):
    """Raised by a handler whose attempt failed but whose writes must commit (an attempt log);
    the job is then retried with the usual backoff, or Failed after its last attempt."""


#: Job type keys and display names (reference 9.1 plus Seatline's own runs).
JOB_TYPES: dict[str, str] = {
    "charge_invoice": "Charge Invoice",
    "confirm_customer_acceptance_of_provider_agreement": "Confirm Customer Acceptance of Provider Agreement",
    "create_pdf": "Create PDF",
    "send_email": "Send Email",
    "send_portal_invite": "Send Portal Invite",
    "sync_invoice": "Sync Invoice",
    "sync_license_change_log": "Sync License Change Log",
    "sync_non_recurring_item": "Sync Non-Recurring Item",
    "update_payment_status_of_invoice": "Update Payment Status of Invoice",
    "manual_provider_reminder_email": "Manual Provider Reminder Email",
    "update_next_invoice_date": "Update Next Invoice Date",
    "merge_scheduled_license_change_log": "Merge Scheduled License Change Log",
    "invoice_run": "Invoice Run",
    "invoice_run_chunk": "Invoice Run Chunk",
    "change_log_invoice_run": "Change Log Invoice Run",
    "provider_invoice_sync": "Provider Invoice Sync",
}

_handlers: dict[str, Handler] = {}
_non_atomic: set[str] = set()
_batch_handlers: dict[str, tuple[BatchHandler, int]] = {}
_lock = threading.Lock()


def register_job_type(key: str, name: str) -> None:
    """Add a job type (extensions, tests). Registering the same key with another name is an error."""
    with _lock:
        existing = JOB_TYPES.get(key)
        if existing is not None and existing != name:
            raise ValueError(f"job type {key!r} is already registered as {existing!r}")
        JOB_TYPES[key] = name


def is_known_type(key: str) -> bool:
    return key in JOB_TYPES


def type_name(key: str) -> str:
    """The display name of a job type (the key itself when unknown)."""
    return JOB_TYPES.get(key, key)


def type_choices() -> list[tuple[str, str]]:
    return sorted(JOB_TYPES.items(), key=lambda item: item[1])


def job_handler(key: str, *, atomic: bool = True) -> Callable[[H], H]:
    """Register the decorated function as the handler of job type `key` (see the module doc).

    `atomic=False`: the handler manages its own transactions (see the module doc).
    """

    def decorator(func: H) -> H:
        if key not in JOB_TYPES:
            raise ValueError(f"unknown job type {key!r}; known: {', '.join(sorted(JOB_TYPES))}")
        with _lock:
            current = _handlers.get(key)
            if current is not None and _qualname(current) != _qualname(func):
                raise ValueError(f"job type {key!r} already has a handler: {_qualname(current)}")
            _handlers[key] = func
            if atomic:
                _non_atomic.discard(key)
            else:
                _non_atomic.add(key)
        return func

    return decorator


def batch_job_handler(key: str, *, size: int) -> Callable[[H], H]:
    """Register the decorated function as the batch handler of `key`: up to `size` jobs per call
    (see the module doc; the type keeps its single-job handler, registered ``atomic=False``)."""
    if size < 1:
        raise ValueError("a batch holds at least one job")

    def decorator(func: H) -> H:
        if key not in JOB_TYPES:
            raise ValueError(f"unknown job type {key!r}; known: {', '.join(sorted(JOB_TYPES))}")
        with _lock:
            current = _batch_handlers.get(key)
            if current is not None and _qualname(current[0]) != _qualname(func):
                raise ValueError(f"job type {key!r} already has a batch handler: {_qualname(current[0])}")
            _batch_handlers[key] = (func, size)
        return func

    return decorator


def get_batch_handler(key: str) -> tuple[BatchHandler, int] | None:
    """(batch handler, batch size) of `key`, when it has one and its single-job handler is the
    installed one (a test's `handler_override` of the single handler turns batching off)."""
    batch = _batch_handlers.get(key)
    single = _handlers.get(key)
    if batch is None or single is None or key not in _non_atomic:
        return None
    if getattr(single, "__module__", None) != getattr(batch[0], "__module__", None):
        return None
    return batch


def runs_in_transaction(key: str) -> bool:
    """Whether the executor wraps the handler of `key` in its transaction (the default)."""
    return key not in _non_atomic


def get_handler(key: str) -> Handler | None:
    return _handlers.get(key)


def has_handler(key: str) -> bool:
    return key in _handlers


def handled_types() -> list[str]:
    """Keys of the job types that have a handler in this installation."""
    return sorted(_handlers)


@contextmanager
def handler_override(key: str, func: Handler | None) -> Iterator[None]:
    """Temporarily install (or with None remove) the handler of `key` (tests, simulations)."""
    if key not in JOB_TYPES:
        raise ValueError(f"unknown job type {key!r}")
    with _lock:
        previous = _handlers.get(key)
        if func is None:
            _handlers.pop(key, None)
        else:
            _handlers[key] = func
    try:
        yield
    finally:
        with _lock:
            if previous is None:
                _handlers.pop(key, None)
            else:
                _handlers[key] = previous


def _qualname(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
