# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handler of `reconcile` (thin: the work is `services.reconcile_invoice`)."""

from __future__ import annotations

from typing import Any

from seatline.jobs.models import Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler, register_job_type
from seatline.provider_invoices.models import InvoiceState, ProviderInvoice
from seatline.reconciliation import services

register_job_type("reconcile", "Reconcile Provider Invoice")


@job_handler("reconcile")
def reconcile(job: Job) -> dict[str, Any]:
    invoice_id = job.parameters.get("provider_invoice_id")
    if not isinstance(invoice_id, int):
        raise PermanentJobError("parameters.provider_invoice_id must be a provider invoice id")
    invoice = ProviderInvoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise PermanentJobError(f"provider invoice {invoice_id} no longer exists")
    if invoice.state != InvoiceState.ACTIVE:
        raise NotApplicable(f"{invoice} is {invoice.get_state_display().lower()}")
    recon = services.reconcile_invoice(invoice=invoice)
    return {
        "groups": recon.group_count,
        "unmapped": recon.unmapped_count,
        "provider_cost": str(recon.provider_cost),
        "revenue": str(recon.revenue),
        "leakage_amount": str(recon.leakage_amount),
    }
