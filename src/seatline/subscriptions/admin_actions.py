# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions on a subscription: change quantity, deactivate, activate, schedule a change."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse

from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.errors import SeatlineError
from seatline.subscriptions.models import LicenseChangeLog, Subscription


class ChangeQuantityForm(forms.Form):
    quantity = forms.IntegerField(label="New quantity")
    effective = forms.DateField(required=False, help_text="empty: today")


class DeactivateForm(forms.Form):
    refund = forms.TypedChoiceField(
        label="Refund",
        choices=(("no", "Do not refund"), ("yes", "Apply refund")),
        initial="no",
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="A refund credits the unused days (advance billing, contract refunds allowed).",
    )
    on = forms.DateField(
        label="Deactivate on", required=False, help_text="empty: today (the day is still billed)"
    )


class ActivateForm(forms.Form):
    on = forms.DateField(label="Activate on", required=False, help_text="empty: today")


class ScheduleChangeForm(forms.Form):
    effective = forms.DateField(label="Effective date")
    quantity = forms.IntegerField(label="New quantity", required=False)
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
        from seatline.subscriptions import services

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
        from seatline.subscriptions import services

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
        from seatline.subscriptions import services

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
        from seatline.subscriptions import services

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


class MarkProvisionedForm(forms.Form):
    message = forms.CharField(
        label="Note", required=False, max_length=500, help_text="e.g. the vendor's order number"
    )


class ChangeLogActionsMixin(ServiceActionsMixin):
    service_actions = (("mark-provisioned", "Mark provisioned", "mark_provisioned_view"),)

    def mark_provisioned_view(self, request: HttpRequest, change: LicenseChangeLog) -> HttpResponse:
        from seatline.providers.services import mark_provisioned

        form = MarkProvisionedForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                mark_provisioned(change, message=form.cleaned_data["message"])
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, change, "Change log marked provisioned.")
        return self.render_action(
            request,
            change,
            title="Mark provisioned",
            form=form,
            buttons=(("apply", "Mark provisioned"),),
            intro=f"The change was made at the provider by hand. Now: {change.get_provisioning_status_display()}"
            + (f" ({change.provisioning_message})" if change.provisioning_message else "."),
        )
