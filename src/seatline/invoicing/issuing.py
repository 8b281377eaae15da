# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issuing a draft document: the next gapless number of its series."""

from __future__ import annotations

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceStatus
from seatline.invoicing.numbering import next_number


def issue_invoice(*, invoice: Invoice) -> Invoice:
    """Draft -> billed: the next gapless number of the invoice's series, locked in this transaction."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.DRAFT:
            raise SeatlineError("invoice_not_draft", f"invoice {locked} is already issued", field="invoice")
        sequence, number = next_number(locked.series)
        locked.sequence = sequence
        locked.number = number
        locked.status = InvoiceStatus.BILLED
        locked.issued_at = clock.now()
        locked.balance = locked.total
        locked.save()
        record(locked, "invoice_issued", message=f"{number}: total {locked.total} {locked.currency}")
    return locked
