# SPDX-License-Identifier: AGPL-3.0-or-later
"""The `reconcile` job: enqueued (outbox) when a provider invoice becomes active."""

from __future__ import annotations

from seatline.jobs.services import enqueue
from seatline.provider_invoices.models import ProviderInvoice


def enqueue_reconcile(invoice: ProviderInvoice) -> None:
    """The provider invoice hook: one `reconcile` job per activated invoice, in its transaction."""
    enqueue(
        "reconcile",
        parameters={"provider_invoice_id": invoice.pk},
        related=invoice,
        dedupe_key=f"reconcile:{invoice.pk}",
    )
