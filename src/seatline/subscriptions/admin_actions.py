# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions on a subscription: change quantity, deactivate, activate, schedule a change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from seatline import clock, core
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.common.admin_guards import WindowDateField
from seatline.common.parsing import MAX_QUANTITY
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, Subscription


class ChangeQuantityForm(forms.Form):
    quantity = forms.IntegerField(
        label="New quantity",
        max_value=MAX_QUANTITY,
        help_text=f"the new total number of seats, at most {MAX_QUANTITY:,}",
    )
    effective = WindowDateField(
        label="Effective date",
        required=False,
        help_text="empty: today (a subscription starting later: its start)",
    )


class DeactivateForm(forms.Form):
    refund = forms.TypedChoiceField(
        label="Refund",
        choices=(("no", "Do not refund"), ("yes", "Apply refund")),
        initial="no",
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="A refund credits the unused days (advance billing, contract refunds allowed).",
    )
    on = WindowDateField(
        label="Deactivate on", required=False, help_text="empty: today (the day is still billed)"
    )


class ActivateForm(forms.Form):
    on = WindowDateField(label="Activate on", required=False, help_text="empty: today")


class ScheduleChangeForm(forms.Form):
    effective = WindowDateField(label="Effective date")
    quantity = forms.IntegerField(label="New quantity", required=False, min_value=1, max_value=MAX_QUANTITY)
    price = forms.DecimalField(
        label="New unit price", required=False, max_digits=19, decimal_places=4, min_value=Decimal("0")
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("quantity") is None and data.get("price") is None:
            raise forms.ValidationError("Give a new quantity, a new price or both.")
        return data


# Apps above this one describe the money effect of a change log (the invoicing app: its change lines).
PREVIEWERS: list[Callable[[LicenseChangeLog], list[list[str]]]] = []


def register_previewer(describe: Callable[[LicenseChangeLog], list[list[str]]]) -> None:
    if describe not in PREVIEWERS:
        PREVIEWERS.append(describe)


class _Rollback(Exception):
    pass


def preview_change(
    run: Callable[[Subscription], LicenseChangeLog | None], subscription: Subscription
) -> list[list[str]]:
    """What `run` (a service call) would bill or credit, from the change lines the core computes
    when the change is recorded: run on a fresh copy in a transaction that is rolled back.
    A refusal (SeatlineError) comes out as it would on the real call."""
    rows: list[list[str]] = []
    try:
        with transaction.atomic():
            change = run(Subscription.objects.get(pk=subscription.pk))
            if change is not None:
                for describe in PREVIEWERS:
                    rows += describe(change)
            raise _Rollback
    except _Rollback:
        pass
    return rows


def moved_date_note(subscription: Subscription, typed: dt.date | None) -> str:
    """Why the change does not take effect on the date given (never moved silently)."""
    day = typed or clock.today()
    if day < subscription.start_date:
        return (
            f"The subscription starts on {subscription.start_date:%d %b %Y}: the change takes effect "
            f"then, not on {day:%d %b %Y}."
        )
    return ""


PREVIEW_HEADINGS = ("What", "Period", "Seats", "Amount")


class SubscriptionActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("change-quantity", "Change quantity", "change_quantity_view"),
        ("deactivate", "Deactivate", "deactivate_view"),
        ("activate", "Activate", "activate_view"),
        ("schedule-change", "Schedule change", "schedule_change_view"),
    )

    def change_quantity_view(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        form = ChangeQuantityForm(submitted(request), initial={"quantity": subscription.quantity})
        rows: list[list[str]] = []
        note = ""
        previewed = False
        if request.method == "POST" and form.is_valid():
            quantity, effective = form.cleaned_data["quantity"], form.cleaned_data["effective"]
            note = moved_date_note(subscription, effective)
            try:
                if "preview" not in request.POST:
                    change = services.change_quantity(
                        subscription=subscription, quantity=quantity, effective=effective
                    )
                    text = (
                        "No change (same quantity)."
                        if change is None
                        else f"Quantity changed ({change.delta:+d})."
                    )
                    return self.done(request, subscription, f"{text} {note}".strip())
                rows = preview_change(
                    lambda copy: services.change_quantity(
                        subscription=copy, quantity=quantity, effective=effective
                    ),
                    subscription,
                )
                previewed = True
            except SeatlineError as error:
                add_service_error(form, error)
        return self.render_action(
            request,
            subscription,
            title="Change quantity",
            form=form,
            buttons=(("preview", "Preview"), ("apply", "Apply")),
            intro=f"Current quantity: {subscription.quantity}. Preview shows what the change bills or credits.",
            preview_title="What this change bills or credits" if previewed else "",
            preview_headings=PREVIEW_HEADINGS,
            preview_rows=rows,
            preview_footer=[note] if note else [],
            preview_empty="Nothing is billed or credited by this change now (it is billed with the next invoice, or "
            "the contract gives no credit).",
        )

    def deactivate_view(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        form = DeactivateForm(submitted(request))
        rows: list[list[str]] = []
        previewed = False
        if request.method == "POST" and form.is_valid():
            refund, on = form.cleaned_data["refund"], form.cleaned_data["on"]
            try:
                if "preview" not in request.POST:
                    services.deactivate_subscription(subscription=subscription, refund=refund, on=on)
                    return self.done(request, subscription, "Subscription deactivated.")
                rows = preview_change(
                    lambda copy: services.deactivate_subscription(subscription=copy, refund=refund, on=on),
                    subscription,
                )
                previewed = True
            except SeatlineError as error:
                add_service_error(form, error)
        return self.render_action(
            request,
            subscription,
            title="Deactivate",
            form=form,
            buttons=(("preview", "Preview"), ("apply", "Deactivate")),
            intro="Preview shows the refund or charge the deactivation causes before you confirm.",
            preview_title="What this deactivation credits" if previewed else "",
            preview_headings=PREVIEW_HEADINGS,
            preview_rows=rows,
            preview_empty="No refund: nothing is credited (no refund chosen, or the contract gives none).",
        )

    def activate_view(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        form = ActivateForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.activate_subscription(subscription=subscription, on=form.cleaned_data["on"])
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, subscription, "Subscription activated.")
        return self.render_action(
            request, subscription, title="Activate", form=form, buttons=(("apply", "Activate"),)
        )

    def schedule_change_view(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        form = ScheduleChangeForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.schedule_change(
                    subscription=subscription,
                    effective=form.cleaned_data["effective"],
                    quantity=form.cleaned_data["quantity"],
                    price=form.cleaned_data["price"],
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, subscription, "Change scheduled.")
        return self.render_action(
            request,
            subscription,
            title="Schedule change",
            form=form,
            buttons=(("apply", "Schedule"),),
            intro="The change merges on its effective date, before that day's invoices.",
        )


class IndexationForm(forms.Form):
    percent = forms.DecimalField(
        label="Indexation %", max_digits=7, decimal_places=4, min_value=Decimal("-100")
    )
    apply_on = WindowDateField(
        label="Apply on",
        required=False,
        help_text="empty or today: now (price LCLs); a later date: scheduled changes",
    )


class ContractIndexationActionsMixin(ServiceActionsMixin):
    """Price indexation of a contract's subscriptions (added to the contracts app's admin)."""

    service_actions = (("indexation", "Apply indexation", "indexation_view"),)

    def indexation_view(self, request: HttpRequest, contract: BillingContract) -> HttpResponse:
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
