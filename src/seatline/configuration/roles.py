# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office security roles as Django groups (created and kept up to date after migrate)."""

from __future__ import annotations

from typing import Any

SEATLINE_APPS = (
    "audit",
    "configuration",
    "customers",
    "taxes",
    "catalog",
    "providers",
    "contracts",
    "subscriptions",
    "invoicing",
    "payments",
    "jobs",
    "api",
    "webhooks",
    "portal",
)

# role -> {app_label: set of actions} ; "*" = every seatline app.
ROLES: dict[str, dict[str, set[str]]] = {
    "Billing administrator": {"*": {"view", "add", "change", "delete"}},
    "Billing manager": {
        "*": {"view"},
        "customers": {"view", "add", "change"},
        "catalog": {"view", "add", "change"},
        "contracts": {"view", "add", "change"},
        "subscriptions": {"view", "add", "change"},
        "invoicing": {"view", "add", "change"},
        "payments": {"view", "add", "change"},
        "jobs": {"view", "change"},
    },
    "Sales": {
        "*": {"view"},
        "customers": {"view", "add", "change"},
        "contracts": {"view", "add", "change"},
        "subscriptions": {"view", "add", "change"},
    },
    "Read-only": {"*": {"view"}},
}


def ensure_roles(**_: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    permissions = list(
        Permission.objects.filter(content_type__app_label__in=SEATLINE_APPS).select_related("content_type")
    )
    for role, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for permission in permissions:
            app = permission.content_type.app_label
            action = permission.codename.split("_", 1)[0]
            actions = grants.get(app, grants.get("*", set()))
            if action in actions:
                wanted.append(permission)
        group.permissions.set(wanted)
