# SPDX-License-Identifier: AGPL-3.0-or-later
"""Background jobs: job rows as a transactional outbox, run by an embedded worker or by Celery.

Writing code that needs background work::

    from seatline.jobs.services import enqueue
    enqueue("sync_license_change_log", related=lcl, dedupe_key=f"lcl:{lcl.pk}")   # same transaction

Handling a job type (in ``<app>/tasks.py``; contract in `seatline.jobs.registry`)::

    @job_handler("sync_license_change_log")
    def sync(job: Job) -> dict | None: ...

Running jobs:

* ``seatline worker [--once] [--name N] [--concurrency N]`` -- the embedded executor
  (`seatline.jobs.worker.Worker`; ``Worker(...).run_until_idle()`` in tests and simulations).
* ``SEATLINE_EXECUTOR=celery`` and ``celery -A seatline.jobs.celery_app worker`` on any number of
  machines -- the Celery executor (`seatline.jobs.celery_app`), broker Redis or RabbitMQ.
* ``seatline scheduler [--once]`` -- fires the scheduled jobs (`seatline.jobs.scheduler.tick`),
  reaps expired leases and, with Celery, dispatches due jobs to the broker.

Statuses (reference 9.2): Waiting -> (Dispatched) -> In progress -> Succeeded | Not Applicable |
Retry (backoff, up to 5 retries) -> Failed; Waiting/Dispatched/Retry -> Cancelled (manual);
Failed/Cancelled -> Waiting (manual retry).

Settings: SEATLINE_EXECUTOR ("embedded" | "celery"), CELERY_BROKER_URL and any CELERY_* setting,
SEATLINE_JOB_RETRY_BASE_SECONDS (30), SEATLINE_JOB_RETRY_MAX_SECONDS (3600),
SEATLINE_JOB_LEASE_SECONDS (60, Celery tasks), SEATLINE_JOB_DISPATCH_TIMEOUT_SECONDS (900).
"""
