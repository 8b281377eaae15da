# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office payment actions (each calls one service; a refusal shows on its field):

* on an invoice: Charge (a profile of the account, amount up to the balance, partial allowed)
  and Refund (a payment, amount up to what is left of it);
* on an account: Add payment profile (the processor's hosted page, opened from the back office:
  direct entry) and Request payment method (the e-mail with a single-use, expiring link);
* on a contract: Collection (auto-charge and the contract's own profile);
* on a profile: Set default, Deactivate, Complete setup (ask the processor whether the hosted
  flow finished).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.payments import charging, profiles, refunds, requests
from seatline.payments.models import ContractCollection, Payment, PaymentProcessor, PaymentProfile


class ConfirmForm(forms.Form):
    pass


class ChargeForm(forms.Form):
    profile = forms.ModelChoiceField(queryset=PaymentProfile.objects.none())
    amount = forms.DecimalField(max_digits=19, decimal_places=4, help_text="at most the open balance")

    def __init__(self, *args: Any, invoice: Invoice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = PaymentProfile.objects.filter(
            account_id=invoice.account_id, status=PaymentProfile.Status.ACTIVE
        )
        self.fields["amount"].initial = invoice.balance


class RefundForm(forms.Form):
    payment = forms.ModelChoiceField(queryset=Payment.objects.none())
    amount = forms.DecimalField(
        max_digits=19, decimal_places=4, required=False, help_text="empty: all that is left"
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, invoice: Invoice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payment"].queryset = Payment.objects.filter(invoice=invoice)


class InvoicePaymentActionsMixin(ServiceActionsMixin):
    service_actions = (("charge", "Charge", "charge_view"), ("refund", "Refund", "refund_view"))

    def charge_view(self, request: HttpRequest, invoice: Invoice) -> HttpResponse:
        form = ChargeForm(submitted(request), invoice=invoice)
        if request.method == "POST" and form.is_valid():
            try:
                attempt = charging.charge(
                    invoice=invoice, profile=form.cleaned_data["profile"], amount=form.cleaned_data["amount"]
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                outcome = f"{attempt.status}" + (
                    f" ({attempt.code}: {attempt.message})" if attempt.code else ""
                )
                return self.done(request, invoice, f"Charge {attempt.idempotency_key}: {outcome}.")
        return self.render_action(
            request,
            invoice,
            title="Charge",
            form=form,
            buttons=(("apply", "Charge"),),
            intro=f"Open balance {invoice.balance} {invoice.currency}. The amount is charged through the "
            "chosen payment profile at once (a partial amount is allowed).",
        )

    def refund_view(self, request: HttpRequest, invoice: Invoice) -> HttpResponse:
        form = RefundForm(submitted(request), invoice=invoice)
        if request.method == "POST" and form.is_valid():
            try:
                refund = refunds.refund_payment(
                    payment=form.cleaned_data["payment"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    request,
                    invoice,
                    f"Refunded {refund.amount} {refund.currency} ({refund.processor_refund_id}).",
                )
        return self.render_action(
            request,
            invoice,
            title="Refund",
            form=form,
            buttons=(("apply", "Refund"),),
            intro="Returns all or part of one payment through its processor; the invoice's balance rises "
            "by the amount (and is not charged again automatically).",
        )


class ProcessorForm(forms.Form):
    processor = forms.ModelChoiceField(queryset=PaymentProcessor.objects.filter(active=True))


class AccountPaymentActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("add-payment-profile", "Add payment profile", "add_profile_view"),
        ("request-payment-method", "Request payment method", "request_method_view"),
    )

    def add_profile_view(self, request: HttpRequest, account: Account) -> HttpResponse:
        form = ProcessorForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                back = (
                    reverse("admin:payments_paymentprofile_changelist") + f"?account__id__exact={account.pk}"
                )
                _profile, session = profiles.start_profile_setup(
                    account=account,
                    processor=form.cleaned_data["processor"],
                    return_url=request.build_absolute_uri(back),
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                # the processor's page comes back to the account's profiles (its webhook or
                # "Complete setup" activates the new one)
                return HttpResponseRedirect(session.url or self.change_url(account))
        return self.render_action(
            request,
            account,
            title="Add payment profile",
            form=form,
            buttons=(("apply", "Open the processor's page"),),
            intro="Direct entry: opens the processor's hosted page where the card or bank details are "
            "entered (they never reach Seatline); the profile is pending until the page is completed.",
        )

    def request_method_view(self, request: HttpRequest, account: Account) -> HttpResponse:
        form = ProcessorForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                requests.request_payment_method(
                    account=account,
                    processor=form.cleaned_data["processor"],
                    link_for=lambda token: request.build_absolute_uri(
                        reverse("payments-public:profile-request", args=[token])
                    ),
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    request, account, "Payment method request e-mailed (the link is valid 7 days, once)."
                )
        return self.render_action(
            request,
            account,
            title="Request payment method",
            form=form,
            buttons=(("apply", "Send the request"),),
            intro="E-mails the primary billing contact a secure, single-use link to the processor's page; "
            "the profile stays pending until the customer completes it.",
        )


class CollectionForm(forms.Form):
    auto_charge = forms.BooleanField(required=False)
    profile = forms.ModelChoiceField(
        queryset=PaymentProfile.objects.none(), required=False, help_text="empty: the account's default"
    )

    def __init__(self, *args: Any, contract: BillingContract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = PaymentProfile.objects.filter(account_id=contract.account_id)
        current = ContractCollection.objects.filter(contract=contract).first()
        if current is not None:
            self.fields["auto_charge"].initial = current.auto_charge
            self.fields["profile"].initial = current.profile_id


class ContractCollectionActionsMixin(ServiceActionsMixin):
    service_actions = (("collection", "Collection", "collection_view"),)

    def collection_view(self, request: HttpRequest, contract: BillingContract) -> HttpResponse:
        form = CollectionForm(submitted(request), contract=contract)
        if request.method == "POST" and form.is_valid():
            try:
                profiles.set_contract_collection(
                    contract=contract,
                    auto_charge=form.cleaned_data["auto_charge"],
                    profile=form.cleaned_data["profile"],
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, contract, "Collection settings saved.")
        return self.render_action(
            request,
            contract,
            title="Collection",
            form=form,
            buttons=(("apply", "Save"),),
            intro="Auto-charge charges each issued invoice on the later of its due date and its issue "
            "day, with this profile or the account's default; failed charges are retried (dunning).",
        )


class ProfileActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("set-default", "Set default", "set_default_view"),
        ("deactivate-profile", "Deactivate", "deactivate_view"),
        ("complete-setup", "Complete setup", "complete_setup_view"),
    )

    def _confirm(
        self, request: HttpRequest, profile: PaymentProfile, title: str, intro: str, call: Any
    ) -> HttpResponse:
        form = ConfirmForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                call(profile=profile)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, profile, f"{title}: done.")
        return self.render_action(request, profile, title=title, form=form, intro=intro)

    def set_default_view(self, request: HttpRequest, profile: PaymentProfile) -> HttpResponse:
        return self._confirm(
            request,
            profile,
            "Set default",
            "The account's charges use it unless a contract names its own.",
            profiles.set_default,
        )

    def deactivate_view(self, request: HttpRequest, profile: PaymentProfile) -> HttpResponse:
        return self._confirm(
            request, profile, "Deactivate", "It is never charged again.", profiles.deactivate_profile
        )

    def complete_setup_view(self, request: HttpRequest, profile: PaymentProfile) -> HttpResponse:
        return self._confirm(
            request,
            profile,
            "Complete setup",
            "Asks the processor whether its hosted page was completed; activates the profile if so.",
            profiles.complete_profile_setup,
        )
