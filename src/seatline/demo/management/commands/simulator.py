# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline simulator <vendor> [options]`: run a provider simulator in the foreground.

seatline simulator partner-center --port 8400 --state var/partner-center.json
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatline.simulators.partner_center.server import main

VENDORS = ("partner-center",)


class Command(BaseCommand):
    help = "Run a provider simulator in the foreground (vendors: partner-center)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("vendor", choices=VENDORS, help="which provider to simulate")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8400, help="port to listen on (default 8400)")
        parser.add_argument(
            "--state", default=None, help="JSON file keeping the simulator state across restarts"
        )
        parser.add_argument(
            "--page-size", type=int, default=None, help="default page size of paged collections"
        )
        parser.add_argument("--start-time", default=None, help="initial simulator time (ISO 8601, UTC)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["vendor"] != "partner-center":  # pragma: no cover - argparse restricts the choices
            raise CommandError(f"unknown vendor {options['vendor']!r}")

        argv = ["--host", options["host"], "--port", str(options["port"])]
        for option in ("state", "page_size", "start_time"):
            if options[option] is not None:
                argv += [f"--{option.replace('_', '-')}", str(options[option])]
        raise SystemExit(main(argv))
