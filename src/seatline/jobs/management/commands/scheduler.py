# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from seatline.jobs.execution import reap_expired_leases
from seatline.jobs.scheduler import tick

logger = logging.getLogger("seatline.jobs")


class Command(BaseCommand):
    help = (
        "Fire scheduled jobs (invoice runs, merges, syncs) every tick; also reaps expired leases and, "
        "with SEATLINE_EXECUTOR=celery, dispatches due jobs to the broker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one tick, then exit")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between ticks (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            reap_expired_leases()
            jobs = tick()
            self.stdout.write(f"fired {len(jobs)} job(s)")
            return
        stop = threading.Event()

        def handle_signal(signum: int, frame: object) -> None:
            logger.info("scheduler: signal %s, stopping", signum)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, handle_signal)
        logger.info("scheduler started (tick every %s s)", options["interval"])
        while not stop.is_set():
            close_old_connections()
            try:
                reap_expired_leases()
                tick()
            except DatabaseError as exc:
                logger.warning("scheduler: database error, retrying next tick: %s", exc)
            stop.wait(options["interval"])
        logger.info("scheduler stopped")
