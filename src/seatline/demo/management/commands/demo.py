# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline demo`: migrate, load the demo tenant, create the admin login, start everything."""

from __future__ import annotations

import logging
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

ADMIN_USER = "admin"


class Command(BaseCommand):
    help = "Set up and run the Seatline demo: server, worker, scheduler, Partner Center simulator, demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="where the back office listens")
        parser.add_argument("--simulator-port", type=int, default=8400)
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        from seatline.demo.data import load_demo_tenant

        self.stdout.write("Loading the demo tenant (a year of history through the real billing runs)...")
        started = time.monotonic()
        jobs_log = logging.getLogger("seatline.jobs")
        level = jobs_log.level
        jobs_log.setLevel(logging.WARNING)  # a year of nightly runs would print thousands of lines
        try:
            report = load_demo_tenant()
        finally:
            jobs_log.setLevel(level)
        if report.loaded:
            self.stdout.write(
                f"  {report.accounts} accounts, {report.contracts} contracts, {report.subscriptions} subscriptions, "
                f"{report.invoices} invoices in {time.monotonic() - started:.1f} s"
            )
        else:
            self.stdout.write("  already loaded")
        password = self._admin_password()
        url = f"http://{options['addr']}/admin/"
        self.stdout.write(
            self.style.SUCCESS(f"\nBack office: {url}\n  user: {ADMIN_USER}\n  password: {password}\n")
        )
        if options["no_serve"]:
            return
        self._run_everything(options)

    def _admin_password(self) -> str:
        path = Path(settings.DATA_DIR) / "demo-admin-password"
        user_model = get_user_model()
        user = user_model.objects.filter(username=ADMIN_USER).first()
        if path.exists() and user is not None and user.check_password(path.read_text().strip()):
            return path.read_text().strip()
        password = secrets.token_urlsafe(12)
        if user is None:
            user_model.objects.create_superuser(ADMIN_USER, "admin@seatline-demo.invalid", password)
        else:
            user.set_password(password)
            user.save()
        path.write_text(password)
        path.chmod(0o600)
        return password

    def _run_everything(self, options: dict[str, Any]) -> None:
        seatline = [sys.executable, "-m", "seatline.cli"]
        state = Path(settings.DATA_DIR) / "partner-center-simulator.json"
        children = [
            subprocess.Popen(
                [
                    *seatline,
                    "simulator",
                    "partner-center",
                    "--port",
                    str(options["simulator_port"]),
                    "--state",
                    str(state),
                ]
            ),
            subprocess.Popen([*seatline, "worker"]),
            subprocess.Popen([*seatline, "scheduler"]),
        ]
        self.stdout.write(
            f"Partner Center simulator on http://127.0.0.1:{options['simulator_port']}, worker and scheduler started."
        )
        try:
            call_command("serve", options["addr"])
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
