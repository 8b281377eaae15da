# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline invoice pdf NUMBER [-o FILE]` and `seatline invoice send NUMBER`.

``pdf`` writes the stored PDF of an issued document (rendered and stored first if it has none
yet: the same bytes as every other download), or a DRAFT preview of a draft (by id: ``draft-7``).
``send`` e-mails an issued document to its account's billing contacts now: the e-mail is logged
and its Send Email job is run at once by this process (with Celery the job is left to the workers).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from seatline.documents import services
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.jobs.execution import run_job_by_id
from seatline.jobs.models import JobStatus
from seatline.notifications.models import OutgoingEmail


def find_invoice(number: str) -> Invoice:
    query = Invoice.objects.select_related("account", "contract")
    if number.startswith("draft-") and number[6:].isdigit():
        invoice = query.filter(pk=int(number[6:]), status="draft").first()
    else:
        invoice = query.filter(number=number).first()
    if invoice is None:
        raise CommandError(f"no document {number!r} (an issued number such as INV-000001, or draft-<id>)")
    return invoice


class Command(BaseCommand):
    help = "Documents: write an invoice's PDF, or e-mail it to its billing contacts."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="{pdf,send}")
        pdf = commands.add_parser("pdf", help="write the document's PDF")
        pdf.add_argument("number", help="e.g. INV-000001 or CN-000001 (draft-<id> for a draft preview)")
        pdf.add_argument("-o", "--output", help="file to write (default: <number>.pdf; - for stdout)")
        send = commands.add_parser("send", help="e-mail the document (PDF attached) now")
        send.add_argument("number", help="e.g. INV-000001")

    def handle(self, *args: Any, **options: Any) -> None:
        invoice = find_invoice(options["number"])
        if options["action"] == "pdf":
            self._pdf(invoice, options.get("output"))
        else:
            self._send(invoice)

    def _pdf(self, invoice: Invoice, output: str | None) -> None:
        try:
            data, filename = services.pdf_for_download(invoice=invoice)
        except SeatlineError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        if output == "-":
            sys.stdout.buffer.write(data)
            return
        target = output or filename
        with open(target, "wb") as handle:
            handle.write(data)
        self.stdout.write(f"{invoice.number or filename}: {len(data)} bytes written to {target}")

    def _send(self, invoice: Invoice) -> None:
        try:
            with transaction.atomic():
                email = services.send_document(invoice=invoice)
        except SeatlineError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        assert email.job_id is not None
        outcome = run_job_by_id(email.job_id, "seatline-invoice-send")
        email = OutgoingEmail.objects.select_related("job").get(pk=email.pk)
        recipients = ", ".join(email.recipients)
        if outcome == "skipped":
            self.stdout.write(
                f"{invoice.number}: queued for {recipients} (job {email.job_id}, run by the workers)"
            )
            return
        if email.status == "sent":
            self.stdout.write(f"{invoice.number}: sent to {recipients} (Message-ID {email.message_id})")
            return
        job = email.job
        retry = ""
        if job is not None and job.status == JobStatus.RETRY:
            retry = f"; the job retries at {job.scheduled_for:%Y-%m-%d %H:%M:%S %Z}"
        raise CommandError(f"{invoice.number}: not sent to {recipients}: {email.error or outcome}{retry}")
