# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "seatline.reconciliation"
    label = "reconciliation"
    verbose_name = "Reconciliation"

    def ready(self) -> None:
        from seatline.provider_invoices import hooks
        from seatline.reconciliation.jobs import enqueue_reconcile

        hooks.register(hooks.InvoiceHooks(name="reconciliation", activated=enqueue_reconcile))
