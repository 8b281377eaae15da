# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office for documents: the letterhead page, and on every invoice its PDF (download and a
preview), a Send action and the e-mails sent about it.

The invoice page belongs to the invoicing app (a lower layer); this module extends its admin
class and registers the extension in its place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import GenericTabularInline as UnfoldGenericTabularInline

import seatline.invoicing.admin as invoicing_admin
from seatline.audit.context import acting_as
from seatline.common.admin import ReadOnlyRowsMixin, SeatlineAdmin
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.configuration.models import Configuration
from seatline.documents import services
from seatline.documents.models import CompanyProfile, DocumentFile
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.notifications.catalog import SPECS
from seatline.notifications.models import EmailTemplate, OutgoingEmail
from seatline.notifications.services import resolve_recipients


class CompanyProfileForm(forms.ModelForm):
    legal_name = forms.CharField(max_length=200, help_text="printed as the seller on every new document")
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    tax_id = forms.CharField(label="tax id (VAT)", max_length=64, required=False)

    class Meta:
        model = CompanyProfile
        fields = (
            "logo",
            "registration_id",
            "email",
            "phone",
            "website",
            "bank_name",
            "bank_account_holder",
            "iban",
            "bic",
            "bank_details",
            "payment_instructions",
            "invoice_notes",
            "footer_text",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = Configuration.get()
        self.fields["legal_name"].initial = config.seller_name
        self.fields["address"].initial = config.seller_address
        self.fields["tax_id"].initial = config.seller_tax_id


@admin.register(CompanyProfile)
class CompanyProfileAdmin(SeatlineAdmin):
    form = CompanyProfileForm
    fieldsets = (
        ("Company", {"fields": ("legal_name", "address", "tax_id", "registration_id", "logo")}),
        ("Contact", {"fields": ("email", "phone", "website")}),
        ("Bank", {"fields": ("bank_name", "bank_account_holder", "iban", "bic", "bank_details")}),
        ("On every document", {"fields": ("payment_instructions", "invoice_notes", "footer_text")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CompanyProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """One letterhead: the list opens it (or the form to create it)."""
        if CompanyProfile.objects.exists():
            return HttpResponseRedirect(reverse("admin:documents_companyprofile_change", args=[1]))
        return HttpResponseRedirect(reverse("admin:documents_companyprofile_add"))

    def save_model(self, request: HttpRequest, obj: CompanyProfile, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.update_company_profile(
            profile=obj, legal_name=data["legal_name"], address=data["address"], tax_id=data["tax_id"]
        )


@admin.register(DocumentFile)
class DocumentFileAdmin(ReadOnlyRowsMixin, SeatlineAdmin):
    """The stored PDFs (read-only): which layout made each, its hash, where it is stored."""

    list_display = ("invoice", "rendered_at", "pages", "size", "language", "sha256", "download")
    search_fields = ("invoice__number", "sha256", "file")
    readonly_fields = (
        "invoice",
        "file",
        "sha256",
        "size",
        "pages",
        "language",
        "rendered_at",
        "renderer",
        "download",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="PDF")
    def download(self, obj: DocumentFile) -> str:
        return format_html(
            '<a href="{}">Download</a>', reverse("admin:invoicing_invoice_pdf", args=[obj.invoice_id])
        )


class EmailLogInline(UnfoldGenericTabularInline):
    model = OutgoingEmail
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ("created_at", "template_key", "recipients_list", "status", "message_id", "error", "log_link")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "e-mail"
    verbose_name_plural = "e-mails about this document"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="recipients")
    def recipients_list(self, obj: OutgoingEmail) -> str:
        return ", ".join(obj.recipients)

    @admin.display(description="log")
    def log_link(self, obj: OutgoingEmail) -> str:
        url = reverse("admin:notifications_outgoingemail_change", args=[obj.pk])
        return format_html('<a href="{}">open (Resend)</a>', url)


class DocumentInvoiceAdmin(ServiceActionsMixin, invoicing_admin.InvoiceAdmin):
    """The invoice page with its PDF, the Send action and its e-mail log."""

    service_actions = (("send", "Send", "send_view"),)
    inlines = (*invoicing_admin.InvoiceAdmin.inlines, EmailLogInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["document_pdf", *super().get_readonly_fields(request, obj)]

    def get_urls(self) -> list[Any]:
        extra = [
            path(
                "<path:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="invoicing_invoice_pdf",
            ),
            path(
                "<path:object_id>/pdf/inline/",
                self.admin_site.admin_view(self.pdf_view),
                {"inline": True},
                name="invoicing_invoice_pdf_inline",
            ),
        ]
        return extra + super().get_urls()

    def pdf_view(self, request: HttpRequest, object_id: str, inline: bool = False) -> HttpResponse:
        invoice = get_object_or_404(Invoice.objects.select_related("account", "contract"), pk=object_id)
        if not self.has_view_permission(request, invoice):
            return HttpResponse(status=403)
        try:
            with acting_as(request.user.get_username()):
                data, filename = services.pdf_for_download(invoice=invoice)
        except SeatlineError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
        response = HttpResponse(data, content_type="application/pdf")
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description="PDF")
    def document_pdf(self, obj: Invoice) -> str:
        if obj.pk is None:
            return "-"
        download = reverse("admin:invoicing_invoice_pdf", args=[obj.pk])
        inline = reverse("admin:invoicing_invoice_pdf_inline", args=[obj.pk])
        document = DocumentFile.objects.filter(invoice=obj).first()
        if document is not None:
            state = format_html(
                "Rendered {} ({} page(s), {} bytes, {}), SHA-256 <code>{}</code>",
                f"{document.rendered_at:%Y-%m-%d %H:%M}",
                document.pages,
                document.size,
                document.language,
                document.sha256,
            )
        elif obj.is_issued:
            state = "Not rendered yet (its Create PDF job makes it; a download makes it now)."
        else:
            state = "Draft: the preview is made on the fly and marked DRAFT."
        return format_html(
            '<p>{}</p><p><a class="text-primary-600" href="{}">Download PDF</a> · '
            '<a class="text-primary-600" href="{}" target="_blank">Open in a new tab</a></p>'
            '<iframe src="{}" title="PDF preview" style="width:100%;height:720px;border:1px solid #ddd"></iframe>',
            state,
            download,
            inline,
            inline,
        )

    def send_view(self, request: HttpRequest, invoice: Invoice) -> HttpResponse:
        form = forms.Form(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                email = services.send_document(invoice=invoice)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    request, invoice, f"{invoice} queued for {', '.join(email.to)} ({email.message_id})."
                )
        key = services.DOCUMENT_TEMPLATES.get(invoice.kind, services.INVOICE_TEMPLATE)
        template = EmailTemplate.objects.filter(key=key).first()
        rows: list[tuple[str, str]] = []
        if template is not None:
            for field in ("to", "cc", "bcc"):
                addresses = resolve_recipients(
                    getattr(template, field),
                    account=invoice.account,
                    given=(),
                    primary=invoice.contract.primary_billing_contact,
                )
                rows += [(field.upper() if field != "to" else "To", address) for address in addresses]
        return self.render_action(
            request,
            invoice,
            title="Send",
            intro=f"E-mail {invoice} with its PDF attached, using the template “{SPECS[key].name}”, "
            f"in the account's language ({invoice.account.language}).",
            form=form,
            buttons=(("apply", "Send"),),
            preview_title="Recipients",
            preview_headings=("", "Address"),
            preview_rows=rows,
            preview_empty="Nobody: the account has no billing contact with an e-mail address.",
        )


admin.site.unregister(Invoice)
admin.site.register(Invoice, DocumentInvoiceAdmin)
