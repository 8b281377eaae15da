# SPDX-License-Identifier: AGPL-3.0-or-later
"""The provider side of a scenario: providers, tenants, provider SKUs, provider invoice imports and
the `provider_invoices` output (scenarios.md "Additions").

Providers of kind `partner_center` are automatic Partner Center providers without credentials:
nothing is provisioned in a simulation (the run records every change as provisioned), and provider
invoices come from the scenario's files through their mapping templates.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from seatline.errors import SeatlineError
from seatline.simulate import output
from seatline.simulate.provider_schema import ProviderInvoiceImport

KINDS = {
    "partner_center": ("automatic", "partner_center"),
    "distributor": ("do_nothing", ""),
    "manual": ("manual", ""),
}


class ProviderSide:
    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.providers: dict[str, int] = {}
        self.products: dict[str, int] = {}
        self.accounts: dict[str, int] = {}  # scenario account id -> provider account pk
        self.attempts: list[dict[str, Any]] = []

    @property
    def used(self) -> bool:
        return bool(self.scenario.providers or self.scenario.provider_invoices)

    def create_providers(self) -> None:
        from seatline.catalog.models import Product
        from seatline.provider_invoices.models import ProviderInvoiceSettings
        from seatline.providers.models import Provider

        for item in self.scenario.providers:
            kind, connector = KINDS[item.kind]
            provider = Provider.objects.create(name=item.id, type=kind, connector=connector)
            ProviderInvoiceSettings.objects.create(
                provider=provider,
                usage_mismatch_tolerance=item.usage_mismatch_tolerance,
                currency=self.scenario.currency,
                sync_enabled=False,
            )
            self.providers[item.id] = provider.pk
        for product in self.scenario.products:
            self.products[product.name] = Product.objects.create(
                name=product.name, part_number=product.provider_product
            ).pk

    def map_account(self, scenario_account: Any, account_pk: int) -> None:
        from seatline.providers.models import ProviderAccount

        if not scenario_account.provider:
            return
        self.accounts[scenario_account.id] = ProviderAccount.objects.create(
            provider_id=self.providers[scenario_account.provider],
            account_id=account_pk,
            provider_customer_id=scenario_account.tenant_id,
            name_at_provider=scenario_account.name,
        ).pk

    def subscription_links(self, sub: Any, account_id: str) -> dict[str, Any]:
        """create_subscription keywords for a scenario subscription's product and provider."""
        from seatline.catalog.models import Product
        from seatline.providers.models import Provider, ProviderAccount

        links: dict[str, Any] = {}
        if sub.product in self.products:
            links["product"] = Product.objects.get(pk=self.products[sub.product])
        if sub.provider:
            provider = Provider.objects.get(pk=self.providers[sub.provider])
            links["provider"] = provider
            mapping = self.accounts.get(account_id)
            if mapping is not None:
                found = ProviderAccount.objects.get(pk=mapping)
                if found.provider_id == provider.pk:
                    links["provider_account"] = found
        return links

    def import_due(self, day: Any) -> None:
        imported = False
        for item in self.scenario.provider_invoices:
            if item.date == day:
                self.attempts.append(self._import(item))
                imported = True
        if imported:  # the jobs of an activated invoice (its reconciliation) run at once
            from seatline.jobs.worker import Worker

            Worker(name=f"provider-invoices:{day.isoformat()}").run_until_idle()

    def _import(self, item: ProviderInvoiceImport) -> dict[str, Any]:
        from seatline.provider_invoices import services
        from seatline.providers.models import Provider

        try:
            with transaction.atomic():
                invoice = services.import_file(
                    provider=Provider.objects.get(pk=self.providers[item.provider]),
                    template=services.template_by_key(item.template),
                    number=item.number,
                    period_start=item.period_start,
                    period_end=item.period_end,
                    total=item.total,
                    tax=item.tax,
                    currency=item.currency or self.scenario.currency,
                    invoice_date=item.invoice_date,
                    override_tolerance=item.override_tolerance,
                    file=item.file,
                )
        except SeatlineError as error:
            return {
                "date": item.date.isoformat(),
                "number": item.number,
                "status": "refused",
                "difference": None,
                "lines": None,
                "unmapped": None,
                "code": error.code,
                "message": error.message,
            }
        return {
            "date": item.date.isoformat(),
            "number": invoice.number,
            "status": invoice.state,
            "difference": output.money(invoice.difference, invoice.currency),
            "lines": invoice.line_count,
            "unmapped": invoice.unmapped_count,
            "code": invoice.error_code or None,
            "message": invoice.error_message,
        }

    def deactivate(self, number: str, provider_id: str | None) -> None:
        from seatline.provider_invoices import services
        from seatline.provider_invoices.models import ProviderInvoice

        found = ProviderInvoice.objects.filter(number=number, replaced_at__isnull=True)
        if provider_id is not None:
            found = found.filter(provider_id=self.providers.get(provider_id, 0))
        invoice = found.order_by("-id").first()
        if invoice is None:
            raise SeatlineError("unknown_reference", f"no provider invoice {number!r} in the scenario")
        services.deactivate_invoice(invoice=invoice)

    def output(self) -> list[dict[str, Any]]:
        return [{key: value for key, value in attempt.items() if key != "date"} for attempt in self.attempts]
