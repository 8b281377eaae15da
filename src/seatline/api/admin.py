# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office for API tokens: every staff user manages their own; users who may change any token
(Billing administrators, superusers) see and revoke everybody's. A new token is shown once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from seatline.api.models import ApiToken
from seatline.api.services import create_token, revoke_token
from seatline.common.admin import SeatlineAdmin
from seatline.errors import SeatlineError


def manages_all(request: HttpRequest) -> bool:
    return request.user.has_perm("api.change_apitoken")


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name", "scope", "expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(SeatlineAdmin):
    form = ApiTokenForm
    list_display = (
        "name",
        "display_prefix",
        "user",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "state",
    )
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke_selected"]

    @admin.display(description="token")
    def display_prefix(self, obj: ApiToken) -> str:
        return f"sl_{obj.prefix}_…"

    @admin.display(description="state")
    def state(self, obj: ApiToken) -> str:
        if obj.is_revoked:
            return "revoked"
        return "expired" if obj.is_expired() else "active"

    # -- who sees what ---------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        queryset = super().get_queryset(request).select_related("user")
        return queryset if manages_all(request) else queryset.filter(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or manages_all(request) or obj.user_id == request.user.pk
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing on a token is editable: its page is a view (saving it would only log a change);
        # the list's "revoke" action needs the model-level permission.
        return obj is None and self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row stays for the audit trail

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None:
            return (
                ["user", "name", "scope", "expires_at"]
                if manages_all(request)
                else ["name", "scope", "expires_at"]
            )
        return [
            "name",
            "display_prefix",
            "user",
            "scope",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "state",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"user": request.user.pk}

    # -- creating shows the token once -----------------------------------------------------
    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # nothing on a token is editable
        user = form.cleaned_data.get("user") if manages_all(request) else None
        issued = create_token(
            user=user or request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = issued.token.pk
        obj.prefix = issued.token.prefix
        obj._state.adding = False
        request._seatline_new_token = issued.secret  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(request, "_seatline_new_token", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": f"API token {obj.name}",
            "intro": f"The token sl_{obj.prefix}_… was created ({obj.get_scope_display().lower()}).",
            "secret": secret,
            "usage": "Send it as `Authorization: Bearer <token>`; the API schema is at /api/schema/, its UI at /api/docs/.",
            "back_url": reverse("admin:api_apitoken_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "seatline/admin/secret_once.html", context)

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.order_by("id"):
            try:
                revoke_token(token=token)
                count += 1
            except SeatlineError as exc:
                self.message_user(request, f"{token}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
