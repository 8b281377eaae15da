# SPDX-License-Identifier: AGPL-3.0-or-later
"""The embedded executor: claims due job rows and runs their handlers in this process."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from types import FrameType

from django.db import DatabaseError, close_old_connections, connections

from seatline.jobs.execution import claim_due, execute, execute_batch, reap_expired_leases
from seatline.jobs.models import Job
from seatline.jobs.registry import get_batch_handler
from seatline.jobs.selectors import jobs_without_handler

logger = logging.getLogger("seatline.jobs")

MISSING_HANDLER_REPORT_SECONDS = 300.0
_reported_missing: dict[str, int] = {}
_reported_lock = threading.Lock()


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """One job-running loop. Several may run in one process (threads) or on many machines."""

    def __init__(
        self, name: str | None = None, lease_seconds: float = 60, poll_interval: float = 1.0
    ) -> None:
        self.name = name or default_worker_name()
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.stop_event = threading.Event()

    def __repr__(self) -> str:
        return f"Worker({self.name!r})"

    def claim(self) -> Job | None:
        """Claim the next due job (Waiting/Retry, scheduled_for <= now, handler installed)."""
        jobs = claim_due(self.name, lease_seconds=self.lease_seconds, limit=1)
        return jobs[0] if jobs else None

    def run_job(self, job: Job) -> str:
        """Run a job this worker has claimed; returns its new status."""
        return execute(job, self.name, lease_seconds=self.lease_seconds)

    def run_once(self) -> bool:
        """Reap expired leases, then claim and run one due job (with more of its type when the
        type has a batch handler). True when a job ran."""
        return self._run_next() > 0

    def _run_next(self) -> int:
        """`run_once`; returns the number of jobs run."""
        reap_expired_leases()
        job = self.claim()
        if job is None:
            return 0
        batch = get_batch_handler(job.job_type)
        if batch is None or batch[1] < 2:
            self.run_job(job)
            return 1
        more = claim_due(
            self.name, lease_seconds=self.lease_seconds, limit=batch[1] - 1, job_type=job.job_type
        )
        jobs = [job, *more]
        execute_batch(jobs, self.name, lease_seconds=self.lease_seconds)
        return len(jobs)

    def run_until_idle(self, max_jobs: int = 100_000) -> int:
        """Run due jobs in this process until none is due (tests, `seatline simulate`).

        Jobs scheduled for later (including retries in backoff) are left waiting. Returns the
        number of jobs run.
        """
        count = 0
        while count < max_jobs and not self.stop_event.is_set():
            ran = self._run_next()
            if not ran:
                break
            count += ran
        self.report_missing_handlers()
        return count

    def report_missing_handlers(self) -> dict[str, int]:
        """Log the unfinished jobs whose type has no handler here (they are never run).

        A count is logged once per process until it changes.
        """
        missing = jobs_without_handler()
        with _reported_lock:
            for job_type, count in missing.items():
                if _reported_missing.get(job_type) != count:
                    logger.warning("%s unfinished job(s) of type %r: no handler installed", count, job_type)
            _reported_missing.clear()
            _reported_missing.update(missing)
        return missing

    def stop(self) -> None:
        self.stop_event.set()

    def run_forever(self, *, install_signal_handlers: bool = True) -> None:
        """Loop until stop() or SIGTERM/SIGINT; a running job is finished before exiting."""
        with self._signals(install_signal_handlers):
            logger.info("worker %s started", self.name)
            last_report = time.monotonic() - MISSING_HANDLER_REPORT_SECONDS
            ran = False
            while not self.stop_event.is_set():
                if not ran:
                    # Health-check / recycle connections between bursts of work, not between jobs:
                    # with CONN_MAX_AGE 0 this closes the connection, and reconnecting for every
                    # job cost more than a small job itself (a PDF, an e-mail). After a database
                    # error `ran` is False, so a broken connection is dropped here.
                    close_old_connections()
                try:
                    ran = self.run_once()
                    if time.monotonic() - last_report >= MISSING_HANDLER_REPORT_SECONDS:
                        self.report_missing_handlers()
                        last_report = time.monotonic()
                except DatabaseError as exc:
                    logger.warning("worker %s: database error, retrying: %s", self.name, exc)
                    ran = False
                except Exception:  # a bug outside the handlers: log it, keep the worker alive
                    logger.exception("worker %s: unexpected error", self.name)
                    ran = False
                if not ran:
                    self.stop_event.wait(self.poll_interval)
            connections.close_all()
            logger.info("worker %s stopped", self.name)

    @contextlib.contextmanager
    def _signals(self, install: bool) -> Iterator[None]:
        if not install or threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(signum: int, frame: FrameType | None) -> None:
            logger.info("worker %s: signal %s, stopping after the current job", self.name, signum)
            self.stop()

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def run_workers(
    count: int, *, name: str | None = None, lease_seconds: float = 60, poll_interval: float = 1.0
) -> None:
    """Run `count` workers as threads of this process until SIGTERM/SIGINT."""
    base = name or default_worker_name()
    if count == 1:
        Worker(base, lease_seconds, poll_interval).run_forever()
        return
    workers = [Worker(f"{base}#{i}", lease_seconds, poll_interval) for i in range(count)]
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %s: stopping %s workers", signum, count)
        stop.set()
        for worker in workers:
            worker.stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    threads = [
        threading.Thread(target=w.run_forever, kwargs={"install_signal_handlers": False}, name=w.name)
        for w in workers
    ]
    try:
        for thread in threads:
            thread.start()
        while not stop.wait(0.5):
            if not any(thread.is_alive() for thread in threads):
                break
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join()
        for sig, old in previous.items():
            signal.signal(sig, old)
