# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads of the portal, every one limited to the portal user's own account.

A view never queries a model directly: it asks here, and an object of another account is simply
not found (404), so its existence does not leak.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from seatline.invoicing.models import Invoice, InvoiceStatus
from seatline.portal.models import PortalUser
from seatline.providers.models import Agreement
from seatline.subscriptions.models import Subscription


def portal_user_of(user: Any) -> PortalUser | None:
    """The active portal user behind a Django user (None for back-office users and strangers)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    portal_user = PortalUser.objects.select_related("account", "user").filter(user=user, active=True).first()
    return portal_user


def account_ids_of(user: Any) -> list[int] | None:
    """The account ids a Django user may see when they are a portal user, else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    rows = list(PortalUser.objects.filter(user_id=user.pk).values_list("account_id", "active"))
    if not rows:
        return None
    return [account_id for account_id, active in rows if active and user.is_active]


def subscriptions(portal_user: PortalUser) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(account_id=portal_user.account_id)
        .select_related("contract", "product")
        .order_by("status", "name", "id")
    )


def subscription(portal_user: PortalUser, pk: int) -> Subscription:
    return _one(subscriptions(portal_user), pk)


def invoices(portal_user: PortalUser) -> QuerySet[Invoice]:
    """Issued invoices and credit notes of the account (drafts are not shown on the portal)."""
    return (
        Invoice.objects.filter(account_id=portal_user.account_id)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("-invoice_date", "-id")
    )


def invoice(portal_user: PortalUser, pk: int) -> Invoice:
    return _one(invoices(portal_user).prefetch_related("lines", "taxes"), pk)


def agreements(portal_user: PortalUser) -> QuerySet[Agreement]:
    return (
        Agreement.objects.filter(account_id=portal_user.account_id)
        .exclude(status=Agreement.Status.INACTIVE)
        .select_related("template")
        .order_by("status", "template__name", "id")
    )


def agreement(portal_user: PortalUser, pk: int) -> Agreement:
    return _one(agreements(portal_user), pk)


def colleagues(portal_user: PortalUser) -> QuerySet[PortalUser]:
    return (
        PortalUser.objects.filter(account_id=portal_user.account_id)
        .select_related("user")
        .order_by("-active", "user__email")
    )


def colleague(portal_user: PortalUser, pk: int) -> PortalUser:
    return _one(colleagues(portal_user), pk)


def _one(queryset: QuerySet[Any], pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("not found")
    return found
