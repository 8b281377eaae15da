# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who may do what: every API operation names the Django permission it needs.

The four security roles are groups whose permissions `seatline.configuration.roles` keeps up to
date, so the API follows the back office exactly (docs/api.md has the table):

============================  =====================  ===============  =====  =========
operation                     Billing administrator  Billing manager  Sales  Read-only
============================  =====================  ===============  =====  =========
every GET                     yes                    yes              yes    yes
accounts, contacts: write     yes                    yes              yes    no
subscriptions: create, act    yes                    yes              yes    no
invoices: issue, credit note  yes                    yes              no     no
payments: record              yes                    yes              no     no
jobs: retry, cancel           yes                    yes              no     no
============================  =====================  ===============  =====  =========

A token with the `read` scope is refused every write, whatever its user may do. A superuser
may do everything.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from seatline.api.models import ApiToken


class RolePermission(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False  # -> 401 with WWW-Authenticate
        action = getattr(view, "action", None)
        if action is None:
            return True  # a method the view does not offer: 405 follows
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and request.method not in permissions.SAFE_METHODS and not token.can_write:
            raise exceptions.PermissionDenied(
                "this API token has the read scope: it cannot change anything", code="token_read_only"
            )
        needed = view.required_permission(action)
        if needed is None or not user.has_perm(needed):
            raise exceptions.PermissionDenied(
                f"your role does not allow this operation (it needs the permission {needed})",
                code="role_forbidden",
            )
        return True
