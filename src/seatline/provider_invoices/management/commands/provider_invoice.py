# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline provider-invoice sync|import`: download or import one provider invoice.

    seatline provider-invoice sync --provider NAME [--number N] [--override-tolerance X] [--source api_v1|graph_v2]
    seatline provider-invoice import --provider NAME --template T --number N --period-start D
        --period-end D --total X [--tax X] [--currency C] [--invoice-date D] [--override-tolerance X]
        [--errors-file PATH] FILE

Prints the outcome (state, difference, line counts, the errors file) and exits 1 when the invoice
ends in `error`, 2 when the request is refused (nothing changed).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatline.errors import SeatlineError
from seatline.provider_invoices.models import ProviderInvoice
from seatline.providers.models import Provider


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Sync a provider invoice from the provider's API, or import a provider's file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="download one invoice (default: the newest)")
        sync.add_argument("--provider", required=True)
        sync.add_argument("--number")
        sync.add_argument("--override-tolerance")
        sync.add_argument("--source", choices=("api_v1", "graph_v2"))
        sync.add_argument("--errors-file", type=Path, help="write the errors CSV here")
        imp = sub.add_parser("import", help="import a CSV or XLSX file through a mapping template")
        imp.add_argument("--provider", required=True)
        imp.add_argument("--template", required=True, help="a mapping template key or name")
        imp.add_argument("--number", required=True)
        imp.add_argument("--period-start", required=True, type=_date)
        imp.add_argument("--period-end", required=True, type=_date)
        imp.add_argument("--total", required=True)
        imp.add_argument("--tax", default="0")
        imp.add_argument("--currency", default="")
        imp.add_argument("--invoice-date", type=_date)
        imp.add_argument("--override-tolerance")
        imp.add_argument("--errors-file", type=Path, help="write the errors CSV here")
        imp.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        provider = Provider.objects.filter(name=options["provider"]).first()
        if provider is None:
            raise CommandError(f"no provider named {options['provider']!r}")
        try:
            if options["action"] == "sync":
                from seatline.provider_invoices.sync import sync_invoice

                invoice = sync_invoice(
                    provider=provider,
                    number=options["number"],
                    override_tolerance=options["override_tolerance"],
                    source=options["source"],
                )
            else:
                from seatline.provider_invoices import services

                if not options["file"].is_file():
                    raise CommandError(f"{options['file']}: no such file")
                invoice = services.import_file(
                    provider=provider,
                    template=services.template_by_key(options["template"]),
                    number=options["number"],
                    period_start=options["period_start"],
                    period_end=options["period_end"],
                    total=options["total"],
                    tax=options["tax"],
                    currency=options["currency"],
                    invoice_date=options["invoice_date"],
                    override_tolerance=options["override_tolerance"],
                    file=options["file"],
                )
        except SeatlineError as error:
            self.stderr.write(f"refused: [{error.code}] {error.message}")
            sys.exit(2)
        self.stdout.write(self.outcome(invoice, options.get("errors_file")))
        if invoice.state == "error":
            sys.exit(1)

    @staticmethod
    def outcome(invoice: ProviderInvoice, errors_file: Path | None) -> str:
        lines = [
            f"provider invoice {invoice.number} ({invoice.provider}): {invoice.state}",
            f"difference: {invoice.difference if invoice.difference is not None else '-'} "
            f"(tolerance {invoice.tolerance})",
            f"lines: {invoice.line_count} ({invoice.usage_line_count} usage, {invoice.unmapped_count} unmapped)",
        ]
        if invoice.error_code:
            lines.append(f"error: [{invoice.error_code}] {invoice.error_message}")
        if invoice.errors_csv:
            target = errors_file or Path(f"{invoice.number}-errors.csv")
            target.write_text(invoice.errors_csv, encoding="utf-8")
            lines.append(f"errors file: {target}")
        return "\n".join(lines) + "\n"
