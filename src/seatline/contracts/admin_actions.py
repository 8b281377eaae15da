# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions on a billing contract: generate an invoice, preview, apply indexation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse

from seatline import clock, core
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.errors import SeatlineError


def selectable_cycles(contract: BillingContract, today: dt.date) -> list[core.types.Cycle]:
    """Cycles a manual run may choose: not invoiced, up to the configured range of future cycles."""
    if contract.type != "recurring":
        return []
    months = contract.period_months * Configuration.get().invoicing_cycle_range
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


class IndexationForm(forms.Form):
    percent = forms.DecimalField(
        label="Indexation %", max_digits=7, decimal_places=4, min_value=Decimal("-100")
    )
    apply_on = forms.DateField(
        label="Apply on",
        required=False,
        help_text="empty or today: now (price LCLs); a later date: scheduled changes",
    )


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


class ContractActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("generate-invoice", "Generate invoice", "generate_invoice_view"),
        ("preview", "Preview next invoice", "preview_view"),
        ("indexation", "Apply indexation", "indexation_view"),
    )

    def generate_invoice_view(self, request: HttpRequest, contract: BillingContract) -> HttpResponse:
        from seatline.invoicing import services

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
        from seatline.invoicing import services

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

    def indexation_view(self, request: HttpRequest, contract: BillingContract) -> HttpResponse:
        from seatline.subscriptions import services

        form = IndexationForm(submitted(request))
        rows: list[list[Any]] = []
        if request.method == "POST" and form.is_valid():
            percent = form.cleaned_data["percent"]
            if "apply" in request.POST:
                try:
                    changes = services.index_prices(
                        contract=contract, percent=percent, apply_on=form.cleaned_data["apply_on"]
                    )
                except SeatlineError as error:
                    add_service_error(form, error)
                else:
                    return self.done(
                        request, contract, f"Indexation of {percent}% applied ({len(changes)} changes)."
                    )
            for subscription in contract.subscriptions.filter(status="active").order_by("name"):
                new = core.indexed_price(subscription.price, percent, subscription.currency)
                rows.append([subscription.name, subscription.sales_unit, subscription.price, new])
        return self.render_action(
            request,
            contract,
            title="Apply indexation",
            form=form,
            buttons=(("preview", "Preview"), ("apply", "Apply")),
            intro="Raises the selling price of every active subscription of the contract by a percentage.",
            preview_title="New prices" if rows else "",
            preview_headings=("Subscription", "Unit", "Price", "New price"),
            preview_rows=rows,
        )
