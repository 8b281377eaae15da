# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline invoice-run --date YYYY-MM-DD [--contract ID] [--dry-run]`.

Runs one day's billing work through the services, in order (docs/billing.md 3): scheduled-change
merges, regular invoices by contract, change-log invoices by contract; then prints a summary.
With --dry-run everything runs inside a transaction that is rolled back: the printed documents
are exactly what the run would create, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from seatline import clock
from seatline.contracts.models import BillingContract
from seatline.core.money import quantize
from seatline.invoicing import run_log
from seatline.invoicing.models import Invoice
from seatline.invoicing.runs import (
    ContractRunResult,
    change_log_contract_ids,
    due_contract_ids,
    run_change_log_for_contract,
    run_contract,
)
from seatline.subscriptions.services import merge_due_scheduled_changes


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = "Generate every invoice due on a date (merges, regular invoices, change-log invoices)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="run_date", help="run date YYYY-MM-DD (default: today)")
        parser.add_argument("--contract", type=int, help="only this contract (id)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be generated; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run_date = dt.date.fromisoformat(options["run_date"]) if options["run_date"] else clock.today()
        except ValueError as exc:
            raise CommandError(f"--date: {options['run_date']!r} is not a date (YYYY-MM-DD)") from exc
        contract_id: int | None = options["contract"]
        if contract_id is not None and not BillingContract.objects.filter(pk=contract_id).exists():
            raise CommandError(f"--contract: contract {contract_id} does not exist")
        dry_run: bool = options["dry_run"]
        try:
            with transaction.atomic():
                self._run(run_date, contract_id, dry_run)
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            self.stdout.write("dry run: nothing was written")

    def _run(self, run_date: dt.date, contract_id: int | None, dry_run: bool) -> None:
        title = "Dry run" if dry_run else "Invoice run"
        self.stdout.write(
            f"{title} for {run_date.isoformat()}" + (f", contract {contract_id}" if contract_id else "")
        )
        merges = merge_due_scheduled_changes(run_date=run_date, contract_id=contract_id)
        self.stdout.write(f"scheduled changes: {len(merges.merged)} merged, {len(merges.failed)} failed")
        for slcl in merges.failed:
            self.stdout.write(
                f"  merge failed: scheduled change {slcl.pk} [{slcl.failure_code}] {slcl.failure_message}"
            )

        regular_ids = due_contract_ids(run_date=run_date)
        change_log_ids = change_log_contract_ids(run_date=run_date)
        if contract_id is not None:
            regular_ids = [contract_id]
            change_log_ids = [pk for pk in change_log_ids if pk == contract_id]
        regular = [run_contract(contract_id=pk, run_date=run_date) for pk in regular_ids]
        change_log = [run_change_log_for_contract(contract_id=pk, run_date=run_date) for pk in change_log_ids]
        if not dry_run:
            for invoice_type, results in (("regular", regular), ("change_log", change_log)):
                if results:
                    report = run_log.start_run(run_date=run_date, invoice_type=invoice_type, mode="manual")
                    run_log.record_results(report, results)
        self._report("regular invoices", regular)
        self._report("change-log invoices", change_log)

    def _report(self, label: str, results: list[ContractRunResult]) -> None:
        invoiced = [r for r in results if r.status == "invoiced"]
        skipped = [r for r in results if r.status == "skipped"]
        failed = [r for r in results if r.status == "failed"]
        self.stdout.write(
            f"{label}: {len(results)} contract(s) considered, {len(invoiced)} invoiced, "
            f"{len(skipped)} skipped, {len(failed)} failed"
        )
        for result in invoiced:
            cycles = ", ".join(start.isoformat() for start in result.cycles)
            self.stdout.write(
                f"  contract {result.contract_id}: invoiced" + (f" (cycles {cycles})" if cycles else "")
            )
            for invoice in Invoice.objects.filter(pk__in=result.invoice_ids).order_by("id"):
                self.stdout.write(
                    f"    {invoice.number or 'draft #' + str(invoice.pk)} {invoice.kind} "
                    f"{invoice.invoice_date.isoformat()} total {quantize(invoice.total, invoice.currency)} {invoice.currency} "
                    f"({invoice.lines.count()} line(s))"
                )
            if not result.invoice_ids:
                self.stdout.write(f"    {result.reason}")
        for result in skipped:
            self.stdout.write(f"  contract {result.contract_id}: skipped ({result.reason})")
        for result in failed:
            self.stdout.write(f"  contract {result.contract_id}: FAILED [{result.error_code}] {result.error}")
        for warning in sorted({w for r in results for w in r.warnings}):
            self.stdout.write(f"  warning: {warning}")
