# SPDX-License-Identifier: AGPL-3.0-or-later
"""The daily provider invoice sync (Work 365: every 24 hours, newest invoice only, usage complete)."""

from __future__ import annotations

from typing import Any

from seatline.connectors.errors import ProviderError
from seatline.errors import SeatlineError
from seatline.jobs.models import Job
from seatline.jobs.services import enqueue
from seatline.provider_invoices.importing import settings_for
from seatline.provider_invoices.models import ProviderInvoice
from seatline.provider_invoices.notifications import send_sync_report
from seatline.provider_invoices.sync import sync_invoice
from seatline.providers.models import Provider

QUIET = {"provider_invoice_active": "up_to_date", "provider_invoice_usage_pending": "waiting_for_usage"}


def syncing_providers() -> list[Provider]:
    providers = Provider.objects.filter(type=Provider.Type.AUTOMATIC, active=True).exclude(connector="")
    return [provider for provider in providers.order_by("id") if settings_for(provider).sync_enabled]


def fan_out(*, parent: Job) -> list[int]:
    return [
        enqueue(
            "provider_invoice_sync", parameters={"provider_id": provider.pk}, parent=parent, related=provider
        ).pk
        for provider in syncing_providers()
    ]


def outcome_of(invoice: ProviderInvoice) -> dict[str, Any]:
    return {
        "status": "imported" if invoice.state == "active" else "error",
        "number": invoice.number,
        "state": invoice.state,
        "difference": str(invoice.difference) if invoice.difference is not None else None,
        "tolerance": str(invoice.tolerance),
        "lines": invoice.line_count,
        "unmapped": invoice.unmapped_count,
        "code": invoice.error_code or None,
        "message": invoice.error_message,
    }


def sync_provider(provider_id: int, *, last_attempt: bool = True) -> dict[str, Any]:
    """Sync one provider's newest invoice; the outcome is returned and e-mailed."""
    provider = Provider.objects.get(pk=provider_id)
    try:
        outcome = outcome_of(sync_invoice(provider=provider))
    except ProviderError as error:
        if error.retryable and not last_attempt:
            raise
        outcome = {"status": "failed", "code": error.code, "message": str(error)}
    except SeatlineError as error:
        outcome = {"status": QUIET.get(error.code, "refused"), "code": error.code, "message": error.message}
    send_sync_report(provider, outcome, settings_for(provider).recipients)
    return outcome
