# SPDX-License-Identifier: AGPL-3.0-or-later
"""Portal admins manage the portal users of their own account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from seatline.errors import SeatlineError
from seatline.portal import access, selectors, services
from seatline.portal.models import PortalRole
from seatline.portal.views.common import base_url, forbidden, page, portal_view


def _users_page(
    request: HttpRequest, *, error: str = "", message: str = "", status: int = 200
) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    context = {
        "users": selectors.colleagues(portal_user),
        "roles": PortalRole.choices,
        "error": error,
        "message": message,
        "form": request.POST if request.method == "POST" else {},
    }
    return page(request, "portal/users.html", context, status=status)


@require_GET
@portal_view
def users(request: HttpRequest) -> HttpResponse:
    if not access.can(request.portal_user, "manage_users"):  # type: ignore[attr-defined]
        return forbidden(request, "manage_users")
    return _users_page(request, message="The invitation was sent." if request.GET.get("invited") else "")


@require_POST
@portal_view
def invite(request: HttpRequest) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    if not access.can(portal_user, "manage_users"):
        return forbidden(request, "manage_users")
    try:
        services.invite_colleague(
            by=portal_user,
            email=request.POST.get("email", ""),
            role=request.POST.get("role", ""),
            first_name=request.POST.get("first_name", ""),
            last_name=request.POST.get("last_name", ""),
            base_url=base_url(request),
        )
    except SeatlineError as exc:
        return _users_page(request, error=exc.message, status=400)
    return HttpResponseRedirect(reverse("portal:users") + "?invited=1")


@require_POST
@portal_view
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    portal_user = request.portal_user  # type: ignore[attr-defined]
    target = selectors.colleague(portal_user, pk)
    if not access.can(portal_user, "manage_users"):
        return forbidden(request, "manage_users")
    try:
        services.remove_user(portal_user=target, by=portal_user)
    except SeatlineError as exc:
        return _users_page(request, error=exc.message, status=400)
    return _users_page(request, message=f"{target.email} can no longer log in.")
