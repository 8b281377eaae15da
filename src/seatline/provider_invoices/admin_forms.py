# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office pages of provider invoices: file import, "Sync provider invoice", deactivate, re-download.

Each page calls one service; a refusal comes back as a form error naming the field, nothing changes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from seatline.audit.context import acting_as
from seatline.common.admin_actions import add_service_error, submitted
from seatline.common.admin_guards import WindowDateField
from seatline.errors import SeatlineError
from seatline.provider_invoices.models import MappingTemplate, ProviderInvoice
from seatline.providers.models import Provider


class ImportForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.order_by("name"))
    template = forms.ModelChoiceField(queryset=MappingTemplate.objects.order_by("name"))
    number = forms.CharField(max_length=60, help_text="the provider's invoice number")
    period_start = WindowDateField(help_text="billing period start (YYYY-MM-DD)")
    period_end = WindowDateField(help_text="billing period end, inclusive")
    invoice_date = WindowDateField(required=False)
    total = forms.DecimalField(max_digits=19, decimal_places=4, help_text="header total, tax included")
    tax = forms.DecimalField(max_digits=19, decimal_places=4, initial=0, help_text="header tax")
    currency = forms.CharField(max_length=3, required=False, help_text="empty: the tenant currency")
    override_tolerance = forms.CharField(
        required=False, help_text="optional; positive, rounded up to a whole number (0.2 -> 1)"
    )
    file = forms.FileField(help_text="CSV or XLSX in the template's format")


class SyncForm(forms.Form):
    number = forms.ChoiceField(widget=forms.RadioSelect, help_text="the provider's invoices and their status")
    override_tolerance = forms.CharField(
        required=False, help_text="optional; positive, rounded up to a whole number (0.2 -> 1)"
    )
    source = forms.ChoiceField(
        choices=(
            ("", "the provider's setting"),
            ("api_v1", "API v1 line items"),
            ("graph_v2", "Graph v2 export"),
        ),
        required=False,
    )


class ProviderChoiceForm(forms.Form):
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.filter(type=Provider.Type.AUTOMATIC).order_by("name"),
        help_text="a provider with an API (Partner Center)",
    )


def page(
    request: HttpRequest, admin: Any, *, title: str, intro: str, form: forms.Form, button: str
) -> TemplateResponse:
    context = {
        **admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "buttons": (("apply", button),),
        "back_url": reverse("admin:provider_invoices_providerinvoice_changelist"),
        "opts": admin.model._meta,
        "multipart": True,
    }
    return TemplateResponse(request, "seatline/admin/provider_invoice_form.html", context)


def done(request: HttpRequest, invoice: ProviderInvoice) -> HttpResponseRedirect:
    text = f"{invoice}: {invoice.get_state_display()}"
    if invoice.difference is not None:
        text += f", difference {invoice.difference:.2f} (tolerance {invoice.tolerance})"
    text += f", {invoice.line_count} line(s), {invoice.unmapped_count} unmapped"
    if invoice.error_message:
        text += f". {invoice.error_message}"
    (messages.success if invoice.state == "active" else messages.error)(request, text)
    return HttpResponseRedirect(reverse("admin:provider_invoices_providerinvoice_change", args=[invoice.pk]))


def import_view(admin: Any, request: HttpRequest) -> HttpResponse:
    from seatline.provider_invoices import services

    form = ImportForm(submitted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with acting_as(request.user.get_username()):
                invoice = services.import_file(
                    provider=data["provider"],
                    template=data["template"],
                    number=data["number"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    invoice_date=data["invoice_date"],
                    total=data["total"],
                    tax=data["tax"],
                    currency=data["currency"],
                    override_tolerance=data["override_tolerance"],
                    file=data["file"],
                    file_name=data["file"].name,
                )
        except SeatlineError as error:
            add_service_error(form, error)
        else:
            return done(request, invoice)
    return page(
        request,
        admin,
        title="Import a provider invoice file",
        intro="A distributor's invoice (or Microsoft's files) read through a mapping template. An unreadable "
        "amount or date rejects the whole file and names the row and column; the checksum compares the "
        "header total with the lines.",
        form=form,
        button="Import",
    )


def sync_view(admin: Any, request: HttpRequest) -> HttpResponse:
    from seatline.provider_invoices.sync import remote_invoices, sync_invoice

    provider_id = request.GET.get("provider")
    chooser = ProviderChoiceForm(request.GET if provider_id else None)
    if not (provider_id and chooser.is_valid()):
        return TemplateResponse(
            request,
            "seatline/admin/provider_invoice_form.html",
            {
                **admin.admin_site.each_context(request),
                "title": "Sync provider invoice",
                "intro": "Choose the provider; its invoices are listed with their status in Seatline.",
                "form": chooser,
                "buttons": (("next", "Show invoices"),),
                "back_url": reverse("admin:provider_invoices_providerinvoice_changelist"),
                "opts": admin.model._meta,
                "method": "get",
            },
        )
    provider = chooser.cleaned_data["provider"]
    form = SyncForm(submitted(request))
    try:
        listed = remote_invoices(provider)
    except SeatlineError as error:
        listed = []
        form.add_error(None, f"{error.message} ({error.code})")
    form.fields["number"].choices = [(item.remote.id, item.label) for item in listed]
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user.get_username()):
                invoice = sync_invoice(
                    provider=provider,
                    number=form.cleaned_data["number"],
                    override_tolerance=form.cleaned_data["override_tolerance"],
                    source=form.cleaned_data["source"] or None,
                )
        except SeatlineError as error:
            add_service_error(form, error)
        else:
            return done(request, invoice)
    return page(
        request,
        admin,
        title=f"Sync provider invoice: {provider}",
        intro="Select an invoice. An active invoice is not downloaded again (deactivate it first); after a "
        "checksum failure, an override tolerance (rounded up to a whole number) may accept the difference.",
        form=form,
        button="Submit",
    )


class ConfirmForm(forms.Form):
    pass


class RedownloadForm(forms.Form):
    override_tolerance = forms.CharField(required=False, help_text="optional; rounded up to a whole number")


class InvoiceActions:
    """Detail-page actions of a provider invoice (mixed into its admin with ServiceActionsMixin)."""

    def deactivate_view(self, request: HttpRequest, invoice: ProviderInvoice) -> HttpResponse:
        from seatline.provider_invoices import services

        form = ConfirmForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.deactivate_invoice(invoice=invoice)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    request, invoice, f"{invoice} deactivated; its unbilled usage records were removed."
                )  # type: ignore[attr-defined]
        return self.render_action(  # type: ignore[attr-defined]
            request,
            invoice,
            title="Deactivate provider invoice",
            form=form,
            buttons=(("apply", "Deactivate"),),
            intro="A deactivated invoice no longer feeds usage billing or reconciliation; its usage records "
            "not billed yet are removed. Refused while any of its usage is on a customer invoice that is "
            "not void.",
        )

    def redownload_view(self, request: HttpRequest, invoice: ProviderInvoice) -> HttpResponse:
        from seatline.provider_invoices.sync import sync_invoice

        form = RedownloadForm(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                fresh = sync_invoice(
                    provider=invoice.provider,
                    number=invoice.number,
                    override_tolerance=form.cleaned_data["override_tolerance"],
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return done(request, fresh)
        return self.render_action(  # type: ignore[attr-defined]
            request,
            invoice,
            title="Download again",
            form=form,
            buttons=(("apply", "Download"),),
            intro="Downloads this invoice again from the provider's API and replaces this one (refused "
            "while it is active: deactivate it first).",
        )
