# SPDX-License-Identifier: AGPL-3.0-or-later
"""What each portal role may do (docs/portal.md has the table).

Every role reads its own account's subscriptions, invoices (with their PDFs), agreements and its
own profile. Changes need a right:

==================  ============  =======  =========
right               Portal admin  Billing  Read-only
==================  ============  =======  =========
change_seats        yes           no       no
accept_agreements   yes           yes      no
manage_users        yes           no       no
==================  ============  =======  =========
"""

from __future__ import annotations

from seatline.errors import SeatlineError
from seatline.portal.models import PortalRole, PortalUser

RIGHTS: dict[str, frozenset[str]] = {
    "change_seats": frozenset({PortalRole.ADMIN}),
    "accept_agreements": frozenset({PortalRole.ADMIN, PortalRole.BILLING}),
    "manage_users": frozenset({PortalRole.ADMIN}),
}

DESCRIPTIONS = {
    "change_seats": "change seat quantities",
    "accept_agreements": "accept agreements",
    "manage_users": "manage the portal users of your company",
}


def can(portal_user: PortalUser, right: str) -> bool:
    return portal_user.active and portal_user.role in RIGHTS[right]


def require(portal_user: PortalUser, right: str) -> None:
    """`portal_role_forbidden` unless the user's role has `right`."""
    if not can(portal_user, right):
        raise SeatlineError(
            "portal_role_forbidden",
            f"your portal role ({portal_user.get_role_display()}) does not allow you to {DESCRIPTIONS[right]}",
            field="role",
        )
