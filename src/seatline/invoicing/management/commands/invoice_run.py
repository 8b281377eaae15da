# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline invoice-run --date YYYY-MM-DD [--contract ID] [--chunk-size N] [--dry-run]`.

Runs one day's billing work through the services, in order (docs/billing.md 3): scheduled-change
merges (each its own transaction), regular invoices by chunks of contracts (one transaction per
chunk, as the `invoice_run_chunk` job: the chunk's contracts are locked only until it commits,
never to the end of the run; the report rows commit with the chunk), change-log invoices by
contract (one transaction each); then prints a summary. On a terminal a progress bar (counts,
rate, ETA) follows the chunks; otherwise one plain line per chunk.

With --dry-run every chunk runs inside a transaction that is rolled back, merges and change-log
invoices of its contracts included: the printed documents are what the run would create (the
numbers as they would follow each other), and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from seatline import clock
from seatline.contracts.models import BillingContract
from seatline.core.money import quantize
from seatline.invoicing import run_log
from seatline.invoicing.chunks import run_chunk
from seatline.invoicing.models import Invoice
from seatline.invoicing.numbering import number_format
from seatline.invoicing.runs import (
    ContractRunResult,
    change_log_contract_ids,
    due_contract_ids,
    run_change_log_for_contract,
)
from seatline.invoicing.tasks import CHUNK_SIZE
from seatline.subscriptions.scheduling import MergeReport
from seatline.subscriptions.selectors import due_scheduled_changes
from seatline.subscriptions.services import merge_due_scheduled_changes


class DryRunRollback(Exception):
    pass


class Progress:
    """A rich progress bar on a terminal, else one plain line per step."""

    def __init__(self, command: BaseCommand, label: str, total: int) -> None:
        self.command, self.label, self.total = command, label, total
        self.done = self.invoiced = self.failed = 0
        self.started = time.monotonic()
        self.bar: Any = None
        if command.stdout.isatty() and total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            console = Console(file=command.stdout._out, force_terminal=True)
            self.bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("contracts, {task.fields[invoiced]} invoiced, {task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
            )
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, invoiced=0, failed=0)

    def advance(self, results: list[ContractRunResult]) -> None:
        self.done += len(results)
        self.invoiced += sum(1 for r in results if r.status == "invoiced" and r.invoice_ids)
        self.failed += sum(1 for r in results if r.status == "failed")
        if self.bar is not None:
            self.bar.update(self.task, advance=len(results), invoiced=self.invoiced, failed=self.failed)
            return
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        self.command.stdout.write(
            f"{self.label}: {self.done}/{self.total} contracts, {self.invoiced} invoiced, {self.failed} failed, "
            f"{elapsed:.1f} s elapsed, ETA {eta:.1f} s"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def progress(command: BaseCommand, label: str, total: int) -> Iterator[Progress]:
    bar = Progress(command, label, total)
    try:
        yield bar
    finally:
        bar.close()


class Command(BaseCommand):
    help = "Generate every invoice due on a date (merges, regular invoices, change-log invoices)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="run_date", help="run date YYYY-MM-DD (default: today)")
        parser.add_argument("--contract", type=int, help="only this contract (id)")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help="contracts billed per transaction (default: %(default)s)",
        )
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
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size: at least 1")
        self.chunk_size: int = options["chunk_size"]
        self.shown = 0  # dry run: documents numbered in earlier (rolled back) chunks
        self.numbered = 0  # dry run: documents numbered in the current chunk
        # id(result) -> its documents, described in its chunk (a dry run's ids are reused)
        self.lines: dict[int, list[str]] = {}
        title = "Dry run" if options["dry_run"] else "Invoice run"
        self.stdout.write(
            f"{title} for {run_date.isoformat()}" + (f", contract {contract_id}" if contract_id else "")
        )
        if options["dry_run"]:
            regular, change_log, merges = self._dry_run(run_date, contract_id)
        else:
            regular, change_log, merges = self._run(run_date, contract_id)
        self.stdout.write(f"scheduled changes: {len(merges.merged)} merged, {len(merges.failed)} failed")
        for slcl in merges.failed:
            self.stdout.write(
                f"  merge failed: scheduled change {slcl.pk} [{slcl.failure_code}] {slcl.failure_message}"
            )
        self._report("regular invoices", regular)
        self._report("change-log invoices", change_log)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")

    def _ids(self, run_date: dt.date, contract_id: int | None) -> tuple[list[int], list[int]]:
        regular_ids = due_contract_ids(run_date=run_date)
        change_log_ids = change_log_contract_ids(run_date=run_date)
        if contract_id is not None:
            regular_ids = [contract_id]
            change_log_ids = [pk for pk in change_log_ids if pk == contract_id]
        return regular_ids, change_log_ids

    def _chunks(self, ids: list[int]) -> list[list[int]]:
        return [ids[i : i + self.chunk_size] for i in range(0, len(ids), self.chunk_size)]

    def _run(
        self, run_date: dt.date, contract_id: int | None
    ) -> tuple[list[ContractRunResult], list[ContractRunResult], MergeReport]:
        merges = merge_due_scheduled_changes(run_date=run_date, contract_id=contract_id)
        regular_ids, change_log_ids = self._ids(run_date, contract_id)
        regular: list[ContractRunResult] = []
        report = None
        if regular_ids:
            report = run_log.start_run(run_date=run_date, invoice_type="regular", mode="manual")
        with progress(self, "regular invoices", len(regular_ids)) as bar:
            for chunk in self._chunks(regular_ids):
                with transaction.atomic():  # one transaction per chunk, as the chunk job
                    results = run_chunk(contract_ids=chunk, run_date=run_date)
                    run_log.record_results(report, results)
                    self._describe(results)
                regular.extend(results)
                bar.advance(results)
        change_log: list[ContractRunResult] = []
        with progress(self, "change-log invoices", len(change_log_ids)) as bar:
            for pk in change_log_ids:
                result = run_change_log_for_contract(contract_id=pk, run_date=run_date)
                self._describe([result])
                change_log.append(result)
                bar.advance([result])
        if change_log:
            with transaction.atomic():
                report = run_log.start_run(run_date=run_date, invoice_type="change_log", mode="manual")
                run_log.record_results(report, change_log)
        return regular, change_log, merges

    def _dry_run(
        self, run_date: dt.date, contract_id: int | None
    ) -> tuple[list[ContractRunResult], list[ContractRunResult], MergeReport]:
        """Each chunk (merges, regular and change-log invoices of its contracts) in a
        transaction rolled back at its end."""
        regular_ids, change_log_ids = self._ids(run_date, contract_id)
        scheduled = set(
            due_scheduled_changes(run_date=run_date, contract_id=contract_id).values_list(
                "subscription__contract_id", flat=True
            )
        )
        ids = sorted(set(regular_ids) | set(change_log_ids) | scheduled)
        regular_set, change_log_set = set(regular_ids), set(change_log_ids)
        merges = MergeReport()
        regular: list[ContractRunResult] = []
        change_log: list[ContractRunResult] = []
        with progress(self, "dry run", len(ids)) as bar:
            for chunk in self._chunks(ids):
                chunk_results: list[ContractRunResult] = []

                def work(chunk: list[int] = chunk, out: list[ContractRunResult] = chunk_results) -> None:
                    for pk in chunk:
                        if pk in scheduled:
                            merged = merge_due_scheduled_changes(run_date=run_date, contract_id=pk)
                            merges.merged.extend(merged.merged)
                            merges.failed.extend(merged.failed)
                    billed = [pk for pk in chunk if pk in regular_set]
                    results = run_chunk(contract_ids=billed, run_date=run_date) if billed else []
                    self._describe(results)
                    regular.extend(results)
                    out.extend(results)
                    for pk in chunk:
                        if pk in change_log_set:
                            result = run_change_log_for_contract(contract_id=pk, run_date=run_date)
                            self._describe([result])
                            change_log.append(result)

                self._rolled_back(work)
                bar.advance(chunk_results)
        return regular, change_log, merges

    def _rolled_back(self, work: Callable[[], None]) -> None:
        self.numbered = 0
        try:
            with transaction.atomic():
                work()
                raise DryRunRollback
        except DryRunRollback:
            pass
        self.shown += self.numbered  # the next chunk's numbers follow these

    def _describe(self, results: list[ContractRunResult]) -> None:
        """The documents of `results`, described while they exist (a dry run's chunk is rolled back)."""
        ids = [pk for result in results for pk in result.invoice_ids]
        invoices = {
            invoice.pk: invoice
            for invoice in Invoice.objects.filter(pk__in=ids).prefetch_related("lines").order_by("id")
        }
        for result in results:
            for pk in result.invoice_ids:
                invoice = invoices[pk]
                number = invoice.number or f"draft #{invoice.pk}"
                if invoice.sequence is not None and self.shown:
                    number = number_format(invoice.series).format(number=invoice.sequence + self.shown)
                self.numbered += invoice.sequence is not None
                self.lines.setdefault(id(result), []).append(
                    f"    {number} {invoice.kind} {invoice.invoice_date.isoformat()} total "
                    f"{quantize(invoice.total, invoice.currency)} {invoice.currency} "
                    f"({len(invoice.lines.all())} line(s))"
                )

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
            for line in self.lines.get(id(result), []):
                self.stdout.write(line)
            if not result.invoice_ids:
                self.stdout.write(f"    {result.reason}")
        for result in skipped:
            self.stdout.write(f"  contract {result.contract_id}: skipped ({result.reason})")
        for result in failed:
            self.stdout.write(f"  contract {result.contract_id}: FAILED [{result.error_code}] {result.error}")
        for warning in sorted({w for r in results for w in r.warnings}):
            self.stdout.write(f"  warning: {warning}")
