# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline reconcile --provider-invoice NUMBER [--provider NAME] [--format json|csv] [--rerun]`.

Prints the reconciliation of an active provider invoice: totals, groups, unmapped lines, the
7-day cancellation audit and the expected-charge replay (JSON),
or the groups then the unmapped lines as two CSV tables separated by an empty line. Computed when
the invoice has no reconciliation yet, or with `--rerun`. Exit 2 when refused (unknown or
inactive invoice, several providers with that number and no `--provider`).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatline.errors import SeatlineError
from seatline.provider_invoices.models import InvoiceState, ProviderInvoice
from seatline.reconciliation import selectors, services
from seatline.reconciliation.models import Reconciliation


class Command(BaseCommand):
    help = "Print the reconciliation of a provider invoice (groups and unmapped lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider-invoice", required=True, help="the provider invoice number")
        parser.add_argument("--provider", help="the provider's name (when several have that number)")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument("--rerun", action="store_true", help="compute it again from stored data")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            recon = self._reconciliation(options)
        except SeatlineError as error:
            self.stderr.write(f"refused: [{error.code}] {error.message}")
            sys.exit(2)
        groups = selectors.group_rows(recon)
        unmapped = selectors.unmapped_rows(recon)
        if options["format"] == "csv":
            self.stdout.write(selectors.to_csv(selectors.GROUP_COLUMNS, groups), ending="")
            self.stdout.write("")
            self.stdout.write(selectors.to_csv(selectors.UNMAPPED_COLUMNS, unmapped), ending="")
            return
        document = {
            "totals": selectors.totals(recon),
            "groups": groups,
            "unmapped": unmapped,
            "cancellation_audit": selectors.cancellation_audit(recon),
            "expected_charges": selectors.expected_charge_replay(recon),
        }
        self.stdout.write(json.dumps(document, indent=2))

    def _reconciliation(self, options: dict[str, Any]) -> Reconciliation:
        found = ProviderInvoice.objects.filter(number=options["provider_invoice"], replaced_at__isnull=True)
        if options.get("provider"):
            found = found.filter(provider__name=options["provider"])
        invoices = list(found.select_related("provider")[:2])
        if not invoices:
            raise SeatlineError("unknown_reference", f"no provider invoice {options['provider_invoice']!r}")
        if len(invoices) > 1:
            raise SeatlineError("ambiguous_reference", "several providers have this number: give --provider")
        invoice = invoices[0]
        if invoice.state != InvoiceState.ACTIVE:
            raise SeatlineError(
                "provider_invoice_not_active", f"{invoice} is {invoice.get_state_display().lower()}"
            )
        existing = Reconciliation.objects.filter(provider_invoice=invoice).first()
        if existing is None or options["rerun"]:
            return services.reconcile_invoice(invoice=invoice)
        return existing
