# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions of invoicing on a billing contract: generate an invoice, preview the next one.

Added to the contracts app's admin by `seatline.invoicing.admin` (contracts sits below invoicing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse

from seatline import clock, core
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.configuration.selectors import configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.errors import SeatlineError
from seatline.invoicing import services


def selectable_cycles(contract: BillingContract, today: dt.date) -> list[core.types.Cycle]:
    """Cycles a manual run may choose: not invoiced, up to the configured range of future cycles."""
    if contract.type != "recurring":
        return []
    months = contract.period_months * configuration().invoicing_cycle_range
    invoiced = set(
        BillingSchedule.objects.filter(contract=contract, status=BillingSchedule.Status.INVOICED).values_list(
            "cycle_start", flat=True
        )
    )
    horizon = core.add_months(today, months)
    return [
        cycle
        for cycle in core.contract_cycles(contract.terms(), through=horizon)
        if cycle.start not in invoiced
    ]


class GenerateInvoiceForm(forms.Form):
    cycle_start = forms.TypedChoiceField(label="Billing cycle", coerce=dt.date.fromisoformat)

    def __init__(self, *args: Any, cycles: list[core.types.Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle_start"].choices = [
            (cycle.start.isoformat(), f"{cycle.start:%Y-%m-%d} .. {cycle.end:%Y-%m-%d}") for cycle in cycles
        ]


def proposal_rows(proposal: core.types.Proposal) -> list[list[Any]]:
    return [
        [
            line.type,
            line.description,
            line.period_start or "",
            line.period_end or "",
            line.quantity,
            line.unit_price,
            line.amount,
            line.discount,
        ]
        for line in proposal.lines
    ]


LINE_HEADINGS = ("Type", "Description", "From", "To", "Quantity", "Unit price", "Amount", "Discount")


class ContractInvoicingActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("generate-invoice", "Generate invoice", "generate_invoice_view"),
        ("preview", "Preview next invoice", "preview_view"),
    )

    def generate_invoice_view(self, request: HttpRequest, contract: BillingContract) -> HttpResponse:
        cycles = selectable_cycles(contract, clock.today())
        form = GenerateInvoiceForm(submitted(request), cycles=cycles)
        if request.method == "POST" and form.is_valid():
            try:
                invoice = services.generate_manual_invoice(
                    contract=contract, cycle_start=form.cleaned_data["cycle_start"]
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                if invoice is None:
                    return self.done(
                        request, contract, "Nothing to bill for that cycle; it is marked invoiced."
                    )
                return self.done(
                    request, contract, f"Invoice {invoice} generated ({invoice.total} {invoice.currency})."
                )
        return self.render_action(
            request,
            contract,
            title="Generate invoice",
            form=form,
            buttons=(("apply", "Generate"),),
            intro="Bills the chosen cycle now, exactly as the automatic run would, as a manual invoice. "
            "The automatic run will then skip that cycle.",
        )

    def preview_view(self, request: HttpRequest, contract: BillingContract) -> HttpResponse:
        try:
            proposal = services.preview_next_invoice(contract=contract)
        except SeatlineError as error:
            return self.render_action(request, contract, title="Preview next invoice", intro=str(error))
        footer = [
            f"Subtotal {proposal.subtotal}",
            *(f"{tax.name} {tax.amount}" for tax in proposal.taxes),
            f"Total {proposal.total} {proposal.currency}",
        ]
        cycle = (
            f" for {proposal.cycle.start:%Y-%m-%d} .. {proposal.cycle.end:%Y-%m-%d}" if proposal.cycle else ""
        )
        return self.render_action(
            request,
            contract,
            title="Preview next invoice",
            intro=f"Dry run: the {proposal.kind.replace('_', ' ')} invoice{cycle} generated on "
            f"{proposal.generated_on:%Y-%m-%d} would contain these lines. Nothing is saved.",
            preview_title="Lines",
            preview_headings=LINE_HEADINGS,
            preview_rows=proposal_rows(proposal),
            preview_footer=footer if proposal.lines else (),
            preview_empty="Nothing to bill.",
        )
