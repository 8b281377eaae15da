# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline simulator <vendor> [options]`: run a vendor simulator in the foreground.

seatline simulator partner-center --port 8400 --state var/partner-center.json
seatline simulator stripe --port 8410 --state var/stripe.json
seatline simulator gocardless --port 8420
seatline simulator authorizenet --port 8430
seatline simulator pax8 --port 8440 --state var/pax8.json

The simulators are layer-0 packages (no Django); this command only passes the options on.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# vendor -> (module with main(argv), default port)
VENDORS = {
    "partner-center": ("seatline.simulators.partner_center.server", 8400),
    "stripe": ("seatline.simulators.stripe.server", 8410),
    "gocardless": ("seatline.simulators.gocardless.server", 8420),
    "authorizenet": ("seatline.simulators.authorizenet.server", 8430),
    "pax8": ("seatline.simulators.pax8.server", 8440),
}


class Command(BaseCommand):
    help = (
        "Run a vendor simulator in the foreground (partner-center, stripe, gocardless, authorizenet, pax8)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("vendor", choices=sorted(VENDORS), help="which vendor to simulate")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument(
            "--port", type=int, default=None, help="port (default 8400 / 8410 / 8420 / 8430 / 8440 by vendor)"
        )
        parser.add_argument(
            "--state", default=None, help="JSON file keeping the simulator state across restarts"
        )
        parser.add_argument(
            "--page-size",
            type=int,
            default=None,
            help="default page size of paged collections (partner-center)",
        )
        parser.add_argument("--start-time", default=None, help="initial simulator time (ISO 8601, UTC)")
        parser.add_argument(
            "--bom", action="store_true", help="start every /v1 answer with a UTF-8 byte-order mark"
        )
        parser.add_argument(
            "--pascal-case", action="store_true", help="write /v1 answers with PascalCase keys (Id, Quantity)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        module_name, default_port = VENDORS[options["vendor"]]
        main = importlib.import_module(module_name).main
        port = options["port"] if options["port"] is not None else default_port
        argv = ["--host", options["host"], "--port", str(port)]
        for option in ("state", "start_time") + (
            ("page_size",) if options["vendor"] == "partner-center" else ()
        ):
            if options[option] is not None:
                argv += [f"--{option.replace('_', '-')}", str(options[option])]
        for switch in ("bom", "pascal_case"):
            if options[switch]:
                if options["vendor"] != "partner-center":
                    raise CommandError(f"--{switch.replace('_', '-')} is a partner-center switch")
                argv.append(f"--{switch.replace('_', '-')}")
        raise SystemExit(main(argv))
