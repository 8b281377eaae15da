# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office for portal users: inviting one (the add form e-mails a single-use link), sending a
new link, removing access. Rows are written by `seatline.portal.services` only."""

from __future__ import annotations

import threading
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from seatline.audit.context import current_actor
from seatline.common.admin import ReadOnlyInline, SeatlineAdmin, extend_admin
from seatline.common.admin_actions import (
    CreatedByServiceMixin,
    ServiceActionsMixin,
    add_service_error,
    submitted,
)
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.portal import services
from seatline.portal.models import PortalInvitation, PortalRole, PortalUser

_request = threading.local()


class InviteForm(forms.ModelForm):
    email = forms.EmailField(help_text="the invitation with a single-use link is e-mailed here")
    first_name = forms.CharField(required=False, max_length=150)
    last_name = forms.CharField(required=False, max_length=150)

    class Meta:
        model = PortalUser
        fields = ("account", "role")


class InvitationInline(ReadOnlyInline):
    model = PortalInvitation
    fields = ("created_at", "expires_at", "used_at", "revoked_at", "state")
    readonly_fields = fields
    extra = 0

    @admin.display(description="state")
    def state(self, obj: PortalInvitation) -> str:
        return obj.state


class ConfirmForm(forms.Form):
    pass


class AccountInviteForm(forms.Form):
    email = forms.EmailField(help_text="the invitation with a single-use link is e-mailed here")
    first_name = forms.CharField(required=False, max_length=150)
    last_name = forms.CharField(required=False, max_length=150)
    role = forms.ChoiceField(choices=PortalRole.choices, initial=PortalRole.ADMIN)


class AccountPortalActionsMixin(ServiceActionsMixin):
    """ "Invite to the portal" on an account (added to the customers app's admin)."""

    service_actions = (("invite-portal-user", "Invite to the portal", "invite_portal_view"),)

    def invite_portal_view(self, request: HttpRequest, account: Account) -> HttpResponse:
        contact = account.contacts.filter(is_primary=True).first() or account.contacts.order_by("id").first()
        initial = (
            {}
            if contact is None
            else {"email": contact.email, "first_name": contact.first_name, "last_name": contact.last_name}
        )
        form = AccountInviteForm(submitted(request), initial=initial)
        if form.is_bound and form.is_valid():
            try:
                invitation = services.invite_user(
                    account=account,
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                    invited_by=request.user.get_username(),
                    **form.cleaned_data,
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                email = invitation.portal_user.email
                return self.done(request, account, f"A portal invitation was e-mailed to {email}.")
        intro = "E-mails a single-use link (valid 7 days) to set a password for the customer portal."
        return self.render_action(request, account, title="Invite to the portal", intro=intro, form=form)


extend_admin(Account, AccountPortalActionsMixin)


@admin.register(PortalUser)
class PortalUserAdmin(ServiceActionsMixin, CreatedByServiceMixin, SeatlineAdmin):
    form = InviteForm
    add_fields = ("account", "email", "first_name", "last_name", "role")
    list_display = ("email", "name", "account", "role", "state", "created_at")
    list_filter = ("role", "active")
    search_fields = ("user__email", "user__first_name", "user__last_name", "account__name")
    readonly_fields = ("user", "account", "role", "active", "invited_by", "created_at", "accepted_at")
    inlines = (InvitationInline,)
    list_select_related = ("user", "account")
    service_actions = (
        ("resend-invitation", "Send a new invitation", "resend_view"),
        ("remove-access", "Remove portal access", "remove_view"),
    )

    @admin.display(description="state")
    def state(self, obj: PortalUser) -> str:
        if not obj.active:
            return "removed"
        return "active" if obj.accepted_at else "invited"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else super().get_readonly_fields(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        _request.base_url = request.build_absolute_uri("/").rstrip("/")
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def create_with_service(self, data: dict[str, Any]) -> Any:
        invitation = services.invite_user(
            account=data["account"],
            email=data.get("email", ""),
            role=data.get("role", PortalRole.READ_ONLY),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            invited_by=self._actor(),
            base_url=getattr(_request, "base_url", ""),
        )
        return invitation.portal_user

    @staticmethod
    def _actor() -> str:
        return current_actor() or ""

    def resend_view(self, request: HttpRequest, obj: PortalUser) -> HttpResponse:
        form = ConfirmForm(submitted(request))
        if form.is_bound and form.is_valid():
            try:
                services.resend_invitation(
                    portal_user=obj, base_url=request.build_absolute_uri("/").rstrip("/")
                )
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, obj, f"A new invitation was e-mailed to {obj.email}.")
        return self.render_action(
            request, obj, title="Send a new invitation", intro="Earlier links stop working.", form=form
        )

    def remove_view(self, request: HttpRequest, obj: PortalUser) -> HttpResponse:
        form = ConfirmForm(submitted(request))
        if form.is_bound and form.is_valid():
            try:
                services.remove_user(portal_user=obj)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, obj, f"{obj.email} can no longer log in to the portal.")
        return self.render_action(
            request, obj, title="Remove portal access", intro="The user can no longer log in.", form=form
        )
