# SPDX-License-Identifier: AGPL-3.0-or-later
"""Permissions of portal users outside the portal: reading their own account through the API.

A portal user is a Django user without staff status or group, so the back office stays closed to
them. This backend (AUTHENTICATION_BACKENDS, after Django's) grants them the view permissions of
the account data the API serves (not the catalog or the jobs); `seatline.api.scoping` (resolver registered in `apps.py`)
limits every query to their account, so another account's objects are not found (404). They get
no write permission: the API refuses them every change (403 `role_forbidden`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from seatline.portal.selectors import account_ids_of

READABLE = frozenset(
    {
        "customers.view_account",
        "customers.view_contact",
        "contracts.view_billingcontract",
        "contracts.view_billingschedule",
        "subscriptions.view_subscription",
        "subscriptions.view_licensechangelog",
        "subscriptions.view_scheduledlicensechangelog",
        "invoicing.view_invoice",
        "payments.view_payment",
    }
)


class PortalPermissionBackend(BaseBackend):
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None  # portal users log in with Django's ModelBackend

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if perm not in READABLE or getattr(user_obj, "is_staff", False):
            return False
        account_ids = account_ids_of(user_obj)
        return bool(account_ids)
