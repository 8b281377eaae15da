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

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from seatline.audit.services import record
from seatline.demo.data import PARTNER_CENTER, load_demo_tenant
from seatline.demo.payments_setup import configure_stripe
from seatline.demo.simulator_seed import seed_simulator
from seatline.errors import SeatlineError
from seatline.providers.models import Provider

ADMIN_USER = "admin"
WAIT_SECONDS = 60  # a slow first start (imports, a busy machine) takes a while
SEED_ATTEMPTS = 5


def wait_for_simulator(url: str, *, seconds: float = WAIT_SECONDS) -> bool:
    """Poll the simulator's `GET /_sim/clock` until it answers (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/_sim/clock", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


class Command(BaseCommand):
    help = "Set up and run the Seatline demo: server, worker, scheduler, Partner Center simulator, demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="where the back office listens")
        parser.add_argument("--simulator-port", type=int, default=8400)
        parser.add_argument("--stripe-port", type=int, default=8410, help="the Stripe simulator's port")
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")
        parser.add_argument(
            "--history-months", type=int, default=14, help="months of billing history to load (first start)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["history_months"] < 2:
            raise CommandError("--history-months must be at least 2")
        call_command("migrate", interactive=False, verbosity=0)

        self.stdout.write("Loading the demo tenant (a year of history through the real billing runs)...")
        started = time.monotonic()
        jobs_log = logging.getLogger("seatline.jobs")
        level = jobs_log.level
        jobs_log.setLevel(logging.WARNING)  # a year of nightly runs would print thousands of lines
        try:
            report = load_demo_tenant(history_months=options["history_months"])
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

    def _seed_simulator(self, url: str, simulator: subprocess.Popen[bytes]) -> None:
        """Give the simulator the demo's customers and subscriptions, so back-office changes provision.

        Waits for it to answer and retries the seeding: the back office is served only afterwards,
        so no change is provisioned against an empty simulator ("tenant not found")."""
        for attempt in range(1, SEED_ATTEMPTS + 1):
            if simulator.poll() is not None:
                raise CommandError(
                    f"The Partner Center simulator stopped (exit code {simulator.returncode}); "
                    f"is port {url.rsplit(':', 1)[-1]} already in use? Choose another with --simulator-port."
                )
            if not wait_for_simulator(url):
                self.stderr.write(
                    f"The Partner Center simulator does not answer at {url} yet (try {attempt})."
                )
                continue
            try:
                self._seed_once(url)
            except (SeatlineError, httpx.HTTPError) as exc:
                self.stderr.write(f"Seeding the Partner Center simulator failed (try {attempt}): {exc}")
                time.sleep(2)
                continue
            return
        raise CommandError(
            f"The Partner Center simulator at {url} could not be seeded after {SEED_ATTEMPTS} tries; "
            "the demo stops rather than serve a back office whose provisioning fails."
        )

    def _seed_once(self, url: str) -> None:
        provider = Provider.objects.filter(name=PARTNER_CENTER, type=Provider.Type.AUTOMATIC).first()
        if provider is None:
            return
        settings_ = dict(provider.settings or {})
        if settings_.get("base_url") != url and str(settings_.get("base_url", "")).startswith(
            "http://127.0.0.1:"
        ):
            # `--simulator-port`: the demo provider follows the simulator it talks to
            before = settings_.get("base_url")
            settings_["base_url"] = settings_["authority"] = url
            provider.settings = settings_
            with transaction.atomic():
                provider.save(update_fields=["settings"])
                record(
                    provider,
                    "settings_changed",
                    changes={"base_url": (before, url)},
                    message="demo simulator port",
                )
        report = seed_simulator(provider)
        self.stdout.write(report.summary())

    def _run_everything(self, options: dict[str, Any]) -> None:
        # SIGTERM (and a closed terminal) end the demo like Ctrl-C: the `finally` below stops every
        # process it started. The server installs its own handlers while it serves and exits the same way.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _exit_on_signal)
        seatline = [sys.executable, "-m", "seatline.cli"]
        state = Path(settings.DATA_DIR) / "partner-center-simulator.json"
        stripe_state = Path(settings.DATA_DIR) / "stripe-simulator.json"
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
            subprocess.Popen(
                [
                    *seatline,
                    "simulator",
                    "stripe",
                    "--port",
                    str(options["stripe_port"]),
                    "--state",
                    str(stripe_state),
                ]
            ),
            subprocess.Popen([*seatline, "worker"]),
            subprocess.Popen([*seatline, "scheduler"]),
        ]
        self.stdout.write(
            f"Partner Center simulator on http://127.0.0.1:{options['simulator_port']}, worker and scheduler started."
        )
        try:
            self._seed_simulator(f"http://127.0.0.1:{options['simulator_port']}", children[0])
            stripe_url = f"http://127.0.0.1:{options['stripe_port']}"
            if wait_for_simulator(stripe_url):
                processor = configure_stripe(stripe_url, options["addr"])
                self.stdout.write(f"Stripe simulator on {stripe_url}: payment processor {processor.name!r}.")
            call_command("serve", options["addr"])
        finally:
            stop_children(children)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every child still running, then SIGKILL to those not gone within 10 s."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
