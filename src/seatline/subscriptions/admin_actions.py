# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions on a subscription: change quantity, deactivate, activate, schedule a change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse

from seatline import core
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.common.admin_guards import WindowDateField
from seatline.common.parsing import MAX_QUANTITY
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription


class ChangeQuantityForm(forms.Form):
    quantity = forms.IntegerField(label="New quantity", min_value=1, max_value=MAX_QUANTITY)
    effective = WindowDateField(required=False, help_text="empty: today")


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


class SubscriptionActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("change-quantity", "Change quantity", "change_quantity_view"),
        ("deactivate", "Deactivate", "deactivate_view"),
        ("activate", "Activate", "activate_view"),
        ("schedule-change", "Schedule change", "schedule_change_view"),
    )

    def change_quantity_view(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        form = ChangeQuantityForm(submitted(request), initial={"quantity": subscription.quantity})
        if request.method == "POST" and form.is_valid():
            try:
                change = services.change_quantity(
                    subscription=subscription,
                    quantity=form.cleaned_data["quantity"],
                    effective=form.cleaned_data["effective"],
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                text = (
                    "No change (same quantity)."
                    if change is None
                    else f"Quantity changed ({change.delta:+d})."
                )
                return self.done(request, subscription, text)
        return self.render_action(
            request,
            subscription,
            title="Change quantity",
            form=form,
            intro=f"Current quantity: {subscription.quantity}.",
        )

    def deactivate_view(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        form = DeactivateForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.deactivate_subscription(
                    subscription=subscription, refund=form.cleaned_data["refund"], on=form.cleaned_data["on"]
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, subscription, "Subscription deactivated.")
        return self.render_action(
            request, subscription, title="Deactivate", form=form, buttons=(("apply", "Deactivate"),)
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
