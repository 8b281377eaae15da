# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline simulate FILE [--keep-db]` (the work is in seatline.simulate.cli)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatline.simulate.cli import main


class Command(BaseCommand):
    help = (
        "Run a billing scenario file (accounts, contracts, subscriptions, dated events) on a fresh "
        "throwaway database and print the result as JSON. Exit status 2 for a malformed file."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the scenario (YAML)")
        parser.add_argument(
            "--keep-db",
            action="store_true",
            help="keep the simulation's database for inspection (its location is printed on stderr)",
        )
        parser.add_argument(
            "--documents",
            metavar="DIR",
            help="write every issued document's PDF as DIR/<seq>.pdf (001.pdf, ...)",
        )
        parser.add_argument(
            "--outbox", metavar="DIR", help="write every e-mail the run sent as DIR/<n>-<template>.eml"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        status = main(
            options["file"],
            keep_db=options["keep_db"],
            stdout=self.stdout,
            stderr=self.stderr,
            documents=options["documents"],
            outbox=options["outbox"],
        )
        if status:
            raise SystemExit(status)
