# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatline.jobs.worker import Worker, run_workers


class Command(BaseCommand):
    help = "Run the embedded job worker: claims due jobs and runs their handlers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every due job, then exit")
        parser.add_argument("--name", default=None, help="worker name (default host:pid:random)")
        parser.add_argument("--concurrency", type=int, default=1, help="worker threads (default 1)")
        parser.add_argument("--lease", type=float, default=60.0, help="lease seconds (default 60)")
        parser.add_argument("--poll-interval", type=float, default=1.0, help="idle poll seconds (default 1)")
        parser.add_argument(
            "--import",
            dest="imports",
            action="append",
            default=[],
            metavar="MODULE",
            help="also import MODULE (handlers outside the seatline apps); repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["concurrency"] < 1:
            self.stderr.write("--concurrency must be at least 1")
            raise SystemExit(2)
        for module in options["imports"]:
            importlib.import_module(module)
        if options["once"]:
            worker = Worker(
                options["name"], lease_seconds=options["lease"], poll_interval=options["poll_interval"]
            )
            count = worker.run_until_idle()
            self.stdout.write(f"ran {count} job(s)")
            for job_type, waiting in worker.report_missing_handlers().items():
                self.stdout.write(f"{waiting} job(s) of type {job_type}: no handler installed")
            return
        run_workers(
            options["concurrency"],
            name=options["name"],
            lease_seconds=options["lease"],
            poll_interval=options["poll_interval"],
        )
