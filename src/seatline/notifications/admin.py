# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office for e-mail: the templates (edited, checked on save, previewed) and the e-mail log
(what was sent to whom, its Message-ID and outcome, with Resend)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import override

from seatline.common.admin import ReadOnlyRowsMixin, SeatlineAdmin, date_range
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.common.languages import DEFAULT_LANGUAGE, text_language
from seatline.errors import SeatlineError
from seatline.notifications import catalog, rendering
from seatline.notifications.models import EmailTemplate, OutgoingEmail
from seatline.notifications.services import resend, restore_shipped, template_problems


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ("active", "subject", "text_body", "html_body", "to", "cc", "bcc")
        widgets = {"subject": forms.TextInput(attrs={"size": 100})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.key and not self.errors:
            problems = template_problems(
                key=self.instance.key,
                subject=data.get("subject", ""),
                text_body=data.get("text_body", ""),
                html_body=data.get("html_body", ""),
            )
            for problem in problems:
                self.add_error(problem.field, str(problem))
        return data


@admin.register(EmailTemplate)
class EmailTemplateAdmin(SeatlineAdmin):
    form = EmailTemplateForm
    list_display = ("__str__", "audience", "subject", "to", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("key", "subject", "text_body")
    readonly_fields = ("key", "description", "variables", "preview")
    fieldsets = (
        (None, {"fields": ("key", "description", "active")}),
        ("Recipients", {"fields": ("to", "cc", "bcc")}),
        ("Content", {"fields": ("subject", "text_body", "html_body")}),
        ("Variables and preview", {"fields": ("variables", "preview")}),
    )
    actions = ["restore_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the templates are the fixed set Seatline sends (catalog.SPECS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="audience")
    def audience(self, obj: EmailTemplate) -> str:
        return obj.spec.audience

    @admin.display(description="what it is for")
    def description(self, obj: EmailTemplate) -> str:
        return obj.spec.description

    @admin.display(description="variables")
    def variables(self, obj: EmailTemplate) -> str:
        rows = [
            (variable.name, variable.description, repr(variable.sample)) for variable in obj.spec.variables
        ]
        keywords = ", ".join(catalog.RECIPIENT_KEYWORDS)
        return format_html(
            "<p>Write <code>{{{{ name }}}}</code>; translated text: "
            '<code>{{{{ _("Total: %(amount)s", amount=total) }}}}</code>. Recipients: addresses or {}.</p>'
            '<table class="w-full text-sm"><thead><tr><th>Variable</th><th>Meaning</th><th>Sample</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            keywords,
            format_html_join("", "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="preview (sample values, English)")
    def preview(self, obj: EmailTemplate) -> str:
        context = obj.spec.sample_context()
        try:
            with override(text_language(DEFAULT_LANGUAGE)):
                subject = rendering.render_subject(obj.subject, context)
                body = rendering.render(obj.text_body, context, field="text_body")
        except rendering.TemplateRenderError as exc:
            return f"The template does not render: {exc}"
        return format_html('<p><strong>{}</strong></p><pre class="text-sm">{}</pre>', subject, body)

    @admin.action(description="Restore the shipped text", permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[EmailTemplate]) -> None:
        for template in queryset:
            restore_shipped(template=template)
        self.message_user(request, f"{queryset.count()} template(s) restored.", messages.SUCCESS)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ServiceActionsMixin, ReadOnlyRowsMixin, SeatlineAdmin):
    service_actions = (("resend", "Resend", "resend_view"),)
    list_display = (
        "created_at",
        "template_key",
        "subject",
        "recipients_display",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "template_key", "trigger", date_range("created_at"))
    search_fields = ("subject", "message_id", "to", "error")
    readonly_fields = (
        "template_key",
        "trigger",
        "status",
        "error",
        "account",
        "related_display",
        "language",
        "from_email",
        "to",
        "cc",
        "bcc",
        "message_id",
        "subject",
        "text_body",
        "html_body",
        "attachments",
        "attempts",
        "created_at",
        "sending_since",
        "sent_at",
        "job",
        "resend_of",
    )
    fields = readonly_fields
    actions = ["resend_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="recipients")
    def recipients_display(self, obj: OutgoingEmail) -> str:
        return ", ".join(obj.recipients)

    @admin.display(description="about")
    def related_display(self, obj: OutgoingEmail) -> str:
        related = obj.related if obj.content_type_id else None
        if related is None:
            return "-"
        meta = related._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[related.pk])
        return format_html('<a href="{}">{}: {}</a>', url, meta.verbose_name, related)

    @admin.action(description="Resend", permissions=["change"])
    def resend_selected(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        done = 0
        for email in queryset.order_by("id"):
            try:
                resend(email=email)
                done += 1
            except SeatlineError as exc:
                self.message_user(request, f"{email.message_id}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} e-mail(s) queued again.", messages.SUCCESS)

    def resend_view(self, request: HttpRequest, email: OutgoingEmail) -> HttpResponse:
        form = forms.Form(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                copy = resend(email=email)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, copy, f"Queued again as {copy.message_id}.")
        return self.render_action(
            request,
            email,
            title="Resend",
            form=form,
            intro=f"Send this e-mail again, as it was, to {', '.join(email.recipients)} (a new Message-ID).",
            buttons=(("apply", "Resend"),),
            preview_title="Attachments",
            preview_headings=("File", "SHA-256"),
            preview_rows=[(item["filename"], item["sha256"]) for item in email.attachments],
            preview_empty="none",
        )
