# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every portal page shares: the portal user (or a redirect to the login), their role's
rights, and htmx-aware rendering."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from seatline.portal import access
from seatline.portal.models import PortalUser
from seatline.portal.selectors import agreements, portal_user_of

View = Callable[..., HttpResponse]


def portal_view(view: View) -> View:
    """The view runs for an active portal user only (request.portal_user); anybody else is sent to
    the portal's login page (back-office users included: they have no account here)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        portal_user = portal_user_of(request.user)
        if portal_user is None:
            login = reverse("portal:login") + "?" + urlencode({"next": request.get_full_path()})
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=401)
                response["HX-Redirect"] = login
                return response
            return HttpResponseRedirect(login)
        request.portal_user = portal_user  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    portal_user: PortalUser | None = getattr(request, "portal_user", None)
    base: dict[str, Any] = {}
    if portal_user is not None:
        base = {
            "portal_user": portal_user,
            "account": portal_user.account,
            "rights": {right: access.can(portal_user, right) for right in access.RIGHTS},
            "pending_agreements": agreements(portal_user).filter(status="pending").count(),
        }
    return render(request, template, {**base, **context}, status=status)


def forbidden(request: HttpRequest, right: str) -> HttpResponse:
    portal_user: PortalUser = request.portal_user  # type: ignore[attr-defined]
    message = (
        f"Your portal role ({portal_user.get_role_display()}) does not allow you to "
        f"{access.DESCRIPTIONS[right]}."
    )
    return page(request, "portal/forbidden.html", {"message": message}, status=403)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")
