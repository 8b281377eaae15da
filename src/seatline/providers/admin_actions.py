# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office actions of providers, provider accounts, agreement templates, accounts and orders.

Each page calls one service; a refusal (SeatlineError, including the provider's own ProviderError)
comes back as a form error and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from seatline import clock
from seatline.audit.context import acting_as
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.common.admin_guards import WindowDateField
from seatline.contracts.models import BillingContract, Frequency, PaymentTerms, Policy, ProcessRefunds
from seatline.customers.models import Account, Contact
from seatline.errors import SeatlineError
from seatline.providers import services
from seatline.providers.models import AgreementTemplate, Provider, ProviderAccount, SalesOrder
from seatline.providers.orders import NewContract, provision_order
from seatline.providers.services import mark_provisioned, retry_provisioning
from seatline.subscriptions.models import LicenseChangeLog


class ConfirmForm(forms.Form):
    pass


class ProviderActionsMixin(ServiceActionsMixin):
    service_actions = (
        ("sync-accounts", "Sync provider accounts", "sync_accounts_view"),
        ("verify", "Verify connectivity", "verify_view"),
    )

    def sync_accounts_view(self, request: HttpRequest, provider: Provider) -> HttpResponse:
        form = ConfirmForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                report = services.sync_provider_accounts(provider)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, provider, f"Provider accounts synced: {report.summary()}.")
        return self.render_action(
            request,
            provider,
            title="Sync provider accounts",
            form=form,
            buttons=(("apply", "Sync"),),
            intro="Reads the customers at the provider, creates missing provider accounts and maps new "
            "ones to the account whose e-mail domain matches the customer's billing e-mail.",
        )

    def verify_view(self, request: HttpRequest, provider: Provider) -> HttpResponse:
        form = ConfirmForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                text = services.verify_connectivity(provider=provider)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, provider, text)
        return self.render_action(
            request,
            provider,
            title="Verify connectivity",
            form=form,
            buttons=(("apply", "Verify"),),
            intro="Authenticates with the provider and reads one page of customers. Nothing changes.",
        )


class SyncSubscriptionsForm(forms.Form):
    contract = forms.ModelChoiceField(
        queryset=BillingContract.objects.none(),
        required=False,
        help_text="new subscriptions at the provider are imported under this contract; empty: only "
        "refresh and report",
    )

    def __init__(self, *args: Any, account_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = BillingContract.objects.filter(  # type: ignore[attr-defined]
            account_id=account_id, type="recurring", status="active"
        )


class ProviderAccountActionsMixin(ServiceActionsMixin):
    service_actions = (("sync-subscriptions", "Sync subscriptions", "sync_subscriptions_view"),)

    def sync_subscriptions_view(self, request: HttpRequest, mapping: ProviderAccount) -> HttpResponse:
        form = SyncSubscriptionsForm(submitted(request), account_id=mapping.account_id)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.sync_subscriptions(
                    provider_account=mapping, contract=form.cleaned_data["contract"]
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                rows = [
                    [
                        d.name,
                        d.provider_subscription_id,
                        d.seatline_quantity,
                        d.provider_quantity,
                        d.provider_status,
                    ]
                    for d in report.drift
                ]
                return self.render_action(
                    request,
                    mapping,
                    title="Subscriptions synced",
                    intro=f"{report.summary()}. Quantity drift is reported, never overwritten.",
                    preview_title="Quantity drift" if rows else "",
                    preview_headings=("Subscription", "At the provider", "Seatline", "Provider", "Status"),
                    preview_rows=rows,
                    buttons=(),
                )
        return self.render_action(
            request,
            mapping,
            title="Sync subscriptions",
            form=form,
            buttons=(("apply", "Sync"),),
            intro="Refreshes commitment end, cancellation window and refundable seats of linked "
            "subscriptions, reports quantity differences and imports new subscriptions.",
        )


class AgreementTemplateActionsMixin(ServiceActionsMixin):
    service_actions = (("create-agreements", "Create agreements", "create_agreements_view"),)

    def create_agreements_view(self, request: HttpRequest, template: AgreementTemplate) -> HttpResponse:
        form = ConfirmForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                created = services.create_missing_agreements(template)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, template, f"{len(created)} pending agreement(s) created.")
        return self.render_action(
            request,
            template,
            title="Create agreements",
            form=form,
            buttons=(("apply", "Create"),),
            intro="Creates a Pending agreement for every account mapped at the template's provider that "
            "has none yet. Signer and execution date are filled in when the customer accepts.",
        )


class OnboardForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.filter(type="automatic", active=True))
    domain = forms.CharField(help_text="initial domain: contoso or contoso.onmicrosoft.com")
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), help_text="billing contact at the provider"
    )
    accept_mca = forms.BooleanField(
        label="Customer accepted the Microsoft Customer Agreement",
        required=False,
        initial=False,
        help_text="tick only when the customer has accepted it",
    )
    executed_on = WindowDateField(label="Accepted on", required=False, help_text="empty: today")

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = account.contacts.all()  # type: ignore[attr-defined]


class AccountProviderActionsMixin(ServiceActionsMixin):
    service_actions = (("onboard", "Onboard at provider", "onboard_view"),)

    def onboard_view(self, request: HttpRequest, account: Account) -> HttpResponse:
        form = OnboardForm(submitted(request), account=account)
        intro = "Creates the customer's tenant at the provider and maps it to this account."
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if "check" in request.POST:
                    free = services.check_domain(data["provider"], data["domain"])
                    intro = f"{data['domain']} is {'available' if free else 'already taken'} at {data['provider']}."
                else:
                    return self._onboard(request, account, data)
            except SeatlineError as error:
                add_service_error(form, error)
        return self.render_action(
            request,
            account,
            title="Onboard at provider",
            form=form,
            buttons=(("check", "Check domain"), ("apply", "Create customer")),
            intro=intro,
        )

    def _onboard(self, request: HttpRequest, account: Account, data: dict[str, Any]) -> HttpResponse:
        contact: Contact = data["contact"]
        mapping = services.onboard_customer(
            account=account, provider=data["provider"], domain=data["domain"], contact=contact
        )
        notes = [f"Customer {mapping.domain} created at {mapping.provider} and mapped."]
        credentials = getattr(mapping, "initial_credentials", None)
        if data["accept_mca"]:
            template = AgreementTemplate.objects.filter(
                provider=data["provider"], agreement_type=AgreementTemplate.AgreementType.MCA, active=True
            ).first()
            if template is None:
                notes.append(
                    "No active Microsoft Customer Agreement template for this provider: not recorded."
                )
            else:
                try:
                    services.accept_agreement(
                        account=account,
                        template=template,
                        signed_by_name=f"{contact.first_name} {contact.last_name}",
                        signed_by_email=contact.email,
                        executed_on=data["executed_on"] or clock.today(),
                        phone=contact.phone,
                    )
                    notes.append("The MCA acceptance is confirmed at the provider and recorded.")
                except SeatlineError as error:
                    notes.append(
                        f"The MCA acceptance failed: {error.message} ({error.code}); accept it again later."
                    )
        rows = []
        if credentials is not None:
            notes.append("The tenant's first administrator is shown once, here: hand it to the customer.")
            rows = [[credentials.user_name, credentials.password]]
        return self.render_action(
            request,
            account,
            title="Customer onboarded",
            intro=" ".join(notes),
            preview_title="Administrator" if rows else "",
            preview_headings=("User name", "Password"),
            preview_rows=rows,
            buttons=(),
        )


class ProvisionOrderForm(forms.Form):
    contract = forms.ModelChoiceField(
        queryset=BillingContract.objects.none(), required=False, help_text="empty: create a new contract"
    )
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.MONTHLY)
    policy = forms.ChoiceField(choices=Policy.choices, initial=Policy.ADVANCE)
    payment_terms = forms.ChoiceField(choices=PaymentTerms.choices, initial=PaymentTerms.NET30)
    process_refunds = forms.ChoiceField(choices=ProcessRefunds.choices, initial=ProcessRefunds.USE_GLOBAL)
    start_date = WindowDateField(required=False, help_text="new contract: empty = today")

    def __init__(self, *args: Any, order: SalesOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = BillingContract.objects.filter(  # type: ignore[attr-defined]
            account_id=order.account_id, type="recurring", status="active"
        )


class SalesOrderActionsMixin(ServiceActionsMixin):
    service_actions = (("provision", "Provision order", "provision_view"),)

    def provision_view(self, request: HttpRequest, order: SalesOrder) -> HttpResponse:
        form = ProvisionOrderForm(submitted(request), order=order)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            new = None
            if data["contract"] is None:
                new = NewContract(
                    frequency=data["frequency"],
                    policy=data["policy"],
                    payment_terms=data["payment_terms"],
                    process_refunds=data["process_refunds"],
                    start_date=data["start_date"],
                )
            try:
                provision_order(order=order, contract=data["contract"], new_contract=new)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, order, f"Order {order.number} provisioned into {order.contract}.")
        rows = [
            [
                line.product,
                line.quantity,
                line.unit_price,
                line.sales_unit,
                line.existing_subscription or "new",
            ]
            for line in order.lines.select_related("product", "existing_subscription")
        ]
        return self.render_action(
            request,
            order,
            title="Provision order",
            form=form,
            buttons=(("apply", "Provision"),),
            intro="Each line becomes a new subscription (or increases its existing one) through the "
            "subscription services; automatic providers are then provisioned by jobs.",
            preview_title="Lines",
            preview_headings=("Product", "Quantity", "Unit price", "Unit", "Subscription"),
            preview_rows=rows,
        )


class MarkProvisionedForm(forms.Form):
    message = forms.CharField(
        label="Note", required=False, max_length=500, help_text="e.g. the vendor's order number"
    )


class ChangeLogProvisioningActionsMixin(ServiceActionsMixin):
    """Provisioning actions on a license change log (added to the subscriptions app's admin)."""

    service_actions = (
        ("mark-provisioned", "Mark provisioned", "mark_provisioned_view"),
        ("retry-provisioning", "Retry provisioning", "retry_provisioning_view"),
    )
    extra_actions = ("mark_provisioned_selected", "retry_provisioning_selected")

    def retry_provisioning_view(self, request: HttpRequest, change: LicenseChangeLog) -> HttpResponse:
        form = forms.Form(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                retry_provisioning(change)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    request, change, "Sent to provisioning again: a worker pushes it to the provider."
                )
        return self.render_action(
            request,
            change,
            title="Retry provisioning",
            form=form,
            buttons=(("apply", "Retry provisioning"),),
            intro=f"Now: {change.get_provisioning_status_display()}"
            + (f" ({change.provisioning_message})" if change.provisioning_message else "."),
        )

    def mark_provisioned_view(self, request: HttpRequest, change: LicenseChangeLog) -> HttpResponse:
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

    @admin.action(description="Mark provisioned", permissions=["change"])
    def mark_provisioned_selected(self, request: HttpRequest, queryset: QuerySet[LicenseChangeLog]) -> None:
        self._apply(request, queryset, mark_provisioned, "marked provisioned")

    @admin.action(description="Retry provisioning", permissions=["change"])
    def retry_provisioning_selected(self, request: HttpRequest, queryset: QuerySet[LicenseChangeLog]) -> None:
        self._apply(request, queryset, retry_provisioning, "sent to provisioning again")

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[LicenseChangeLog],
        service: Callable[[LicenseChangeLog], Any],
        verb: str,
    ) -> None:
        done = 0
        with acting_as(request.user.get_username()):
            for change in queryset.order_by("id"):
                try:
                    service(change)
                    done += 1
                except SeatlineError as exc:
                    self.message_user(  # type: ignore[attr-defined]
                        request, f"Change log #{change.pk}: {exc.message}", messages.ERROR
                    )
        if done:
            self.message_user(  # type: ignore[attr-defined]
                request, f"{done} change log(s) {verb}.", messages.SUCCESS
            )
