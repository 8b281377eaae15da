# SPDX-License-Identifier: AGPL-3.0-or-later
"""Logging in and out of the portal, and accepting an invitation (setting the first password)."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from seatline.errors import SeatlineError
from seatline.portal import services
from seatline.portal.selectors import portal_user_of
from seatline.portal.views.common import page

STATE_MESSAGES = {
    "unknown": "This invitation link is not valid.",
    "used": "This invitation link has already been used. Log in with the password you set.",
    "replaced": "This invitation link was replaced by a newer one, or your access was removed. "
    "Use the link of the latest invitation e-mail.",
    "expired": "This invitation link has expired. Ask the person who invited you for a new invitation.",
}


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()
        user = authenticate(request, username=email, password=request.POST.get("password", ""))
        if user is not None and portal_user_of(user) is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(_next_url(request))
        error = "The e-mail address or the password is not right."
    status = 200 if not error else 400
    return page(
        request,
        "portal/login.html",
        {"error": error, "email": email, "next": _next_url(request)},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("portal:login"))


@require_http_methods(["GET", "POST"])
def join_view(request: HttpRequest, secret: str) -> HttpResponse:
    invitation, state = services.invitation_state(secret)
    if invitation is None or state != "open":
        return page(request, "portal/join_invalid.html", {"message": STATE_MESSAGES[state]}, status=410)
    error = ""
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password_again", ""):
            error = "The two passwords differ."
        else:
            try:
                portal_user = services.accept_invitation(secret=secret, password=password)
            except SeatlineError as exc:
                if exc.code == "invitation_invalid":
                    return page(request, "portal/join_invalid.html", {"message": exc.message}, status=410)
                error = exc.message
            else:
                login(request, portal_user.user, backend="django.contrib.auth.backends.ModelBackend")
                return HttpResponseRedirect(reverse("portal:home"))
    return page(
        request,
        "portal/join.html",
        {"invitation": invitation, "invited": invitation.portal_user, "error": error},
        status=400 if error else 200,
    )
