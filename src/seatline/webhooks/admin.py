# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office for webhooks: endpoints (the secret shown once, rotatable), deliveries with their
attempt log, and Replay."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from seatline.common.admin import ReadOnlyInline, SeatlineAdmin
from seatline.common.events import event_types
from seatline.errors import SeatlineError
from seatline.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from seatline.webhooks.services import create_endpoint, replay_delivery, rotate_secret

USAGE = (
    "Each delivery is a POST of JSON with the header Seatline-Signature: t=<unix time>,v1=<hex>, where v1 is "
    'HMAC-SHA256(secret, t + "." + raw body). See the API documentation for a verification snippet.'
)


class EndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=lambda: [(key, f"{key}: {text}") for key, text in event_types()],
        widget=forms.CheckboxSelectMultiple,
        help_text="the events sent to this endpoint",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "event_types", "active", "description")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SeatlineAdmin):
    form = EndpointForm
    list_display = ("name", "url", "active", "events_display", "secret_hint")
    list_filter = ("active",)
    search_fields = ("name", "url")
    actions = ["rotate_selected"]

    @admin.display(description="events")
    def events_display(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.event_types or [])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("secret_hint")
        return fields

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        endpoint, secret = create_endpoint(
            name=form.cleaned_data["name"],
            url=form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"],
            active=form.cleaned_data["active"],
            description=form.cleaned_data.get("description", ""),
        )
        obj.pk = endpoint.pk
        obj._state.adding = False
        request._seatline_new_secret = secret  # type: ignore[attr-defined]

    def _show_secret(
        self, request: HttpRequest, obj: WebhookEndpoint, secret: str, intro: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": f"Webhook endpoint {obj.name}",
            "intro": intro,
            "secret": secret,
            "usage": USAGE,
            "back_url": reverse("admin:webhooks_webhookendpoint_change", args=[obj.pk]),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "seatline/admin/secret_once.html", context)

    def response_add(
        self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(request, "_seatline_new_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._show_secret(
            request, obj, secret, f"The endpoint {obj.name} was created with this signing secret."
        )

    @admin.action(description="Rotate the signing secret", permissions=["change"])
    def rotate_selected(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> HttpResponse | None:
        endpoints = list(queryset.order_by("id"))
        if len(endpoints) != 1:
            self.message_user(
                request, "Rotate one endpoint at a time (its new secret is shown once).", messages.ERROR
            )
            return None
        endpoint = endpoints[0]
        secret = rotate_secret(endpoint=endpoint)
        return self._show_secret(
            request, endpoint, secret, f"The endpoint {endpoint.name} has a new signing secret."
        )


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ("number", "at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields
    show_change_link = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SeatlineAdmin):
    list_display = (
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "created_at",
        "replay_of",
    )
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("event_id", "body")
    readonly_fields = (
        "endpoint",
        "event_type",
        "event_id",
        "status",
        "attempts",
        "response_status",
        "error",
        "delivered_at",
        "replay_of",
        "created_at",
        "pretty_body",
    )
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["replay_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="body")
    def pretty_body(self, obj: WebhookDelivery) -> str:
        try:
            text = json.dumps(json.loads(obj.body), indent=2, sort_keys=True)
        except ValueError:
            text = obj.body
        return format_html('<pre class="text-xs whitespace-pre-wrap">{}</pre>', text)

    @admin.action(description="Replay (send the same body again)", permissions=["change"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = 0
        for delivery in queryset.select_related("endpoint").order_by("id"):
            try:
                replay_delivery(delivery=delivery)
                done += 1
            except SeatlineError as exc:
                self.message_user(request, f"Delivery {delivery.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(
                request, f"{done} deliver{'y' if done == 1 else 'ies'} queued again.", messages.SUCCESS
            )
