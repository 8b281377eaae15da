# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Celery executor (SEATLINE_EXECUTOR = "celery").

Run workers on any number of machines sharing the database and the broker::

    SEATLINE_EXECUTOR=celery CELERY_BROKER_URL=redis://host:6379/0 \\
        celery -A seatline.jobs.celery_app worker --loglevel INFO

(``amqp://user:password@host:5672//`` works the same with RabbitMQ.) Run one `seatline scheduler`
too: each tick it fires scheduled jobs, reaps expired leases and dispatches due jobs (retries
included) to the broker. The job row stays the source of truth: a message only carries its id.
"""

from __future__ import annotations

import os
import socket

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatline.settings")

app = Celery("seatline")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Defaults only: any CELERY_* Django setting overrides them.
app.add_defaults(
    {
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_default_queue": "seatline",
        "worker_hijack_root_logger": False,
    }
)


@app.task(name="seatline.run_job")
def run_job(job_id: int) -> str:
    """Claim job `job_id` (no-op when another delivery already took it) and run its handler."""
    from django.conf import settings

    from seatline.jobs.execution import run_job_by_id

    lease = float(getattr(settings, "SEATLINE_JOB_LEASE_SECONDS", 60))
    owner = f"celery@{socket.gethostname()}:{os.getpid()}"
    return run_job_by_id(int(job_id), owner, lease_seconds=lease)


def use_broker(url: str) -> None:
    """Point this process's Celery producer at another broker (tests, tools); drops cached connections.

    Kombu's process-wide producer pools (keyed by broker URL) are reset too: the one kept for a
    URL used before would still hold the connection pool closed here ("Acquire on closed pool"
    when a later switch comes back to that URL).
    """
    from kombu import pools

    pool = app._pool
    if pool is not None:
        pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
    app.conf.broker_url = url
