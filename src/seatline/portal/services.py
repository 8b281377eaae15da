# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes of the customer portal: invitations, passwords, users, and the customer's own requests
(seat changes, agreement acceptance), which go through the same services as the back office.

Refusals are `SeatlineError`s; nothing is written when one is raised. Invitations are single-use
links that expire (`INVITATION_DAYS`); only the SHA-256 of the link's secret is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from seatline import clock
from seatline.audit.context import acting_as
from seatline.audit.services import record
from seatline.configuration.selectors import configuration
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.notifications.services import send
from seatline.portal import access
from seatline.portal.models import PortalInvitation, PortalRole, PortalUser
from seatline.providers.models import Agreement
from seatline.providers.services import accept_agreement
from seatline.subscriptions.models import LicenseChangeLog, Subscription
from seatline.subscriptions.services import change_quantity

INVITATION_DAYS = 7
PASSWORD_VALIDATORS = get_password_validators(
    [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 10},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_days() -> int:
    return int(getattr(settings, "SEATLINE_PORTAL_INVITATION_DAYS", INVITATION_DAYS))


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise SeatlineError(
            "invalid_email", f"{email or 'an empty address'} is not an e-mail address", field="email"
        ) from None
    return email


def invite_user(
    *,
    account: Account,
    email: str,
    role: str,
    base_url: str,
    first_name: str = "",
    last_name: str = "",
    invited_by: str = "",
) -> PortalInvitation:
    """Create (or re-invite) the portal user `email` of `account` and e-mail a single-use link.

    The returned invitation carries the link in `.url` (shown once; only its hash is stored).
    Refusals: `invalid_email`, `invalid_role`, `account_inactive`, `email_in_use` (the address
    belongs to a back-office user or another account's portal user), `portal_user_exists` (it
    already has an active login of this account).
    """
    email = _clean_email(email)
    if role not in PortalRole.values:
        raise SeatlineError("invalid_role", f"{role!r} is not a portal role", field="role")
    if not account.active:
        raise SeatlineError("account_inactive", f"{account} is inactive", field="account")
    user_model = get_user_model()
    with transaction.atomic():
        same = user_model.objects.select_for_update().filter(
            Q(username__iexact=email) | Q(email__iexact=email)
        )
        users = list(same.order_by("pk"))
        user = users[0] if len(users) == 1 else None
        portal_user = PortalUser.objects.filter(user=user).first() if user is not None else None
        if len(users) > 1 or (
            user is not None and (portal_user is None or portal_user.account_id != account.pk)
        ):
            raise SeatlineError(
                "email_in_use", f"{email} already has a Seatline login: use another address", field="email"
            )
        if portal_user is not None and portal_user.active and portal_user.accepted_at is not None:
            raise SeatlineError(
                "portal_user_exists", f"{email} is already a portal user of {account}", field="email"
            )
        if user is None:
            user = user_model.objects.create_user(username=email, email=email, password=None)
        user.first_name = first_name.strip()[:150] or user.first_name
        user.last_name = last_name.strip()[:150] or user.last_name
        user.is_active = True
        user.save()
        before = None if portal_user is None else portal_user.role
        if portal_user is None:
            portal_user = PortalUser(user=user, account=account)
        portal_user.role = role
        portal_user.active = True
        portal_user.invited_by = invited_by[:200]
        portal_user.save()
        record(
            portal_user,
            "portal_user_invited",
            changes={"role": (before, role)},
            message=f"{email} invited to the portal of {account} as {portal_user.get_role_display()}",
        )
        return _send_invitation(portal_user, base_url)


def resend_invitation(*, portal_user: PortalUser, base_url: str) -> PortalInvitation:
    """A new link for a user who has not set a password yet (older links stop working)."""
    if not portal_user.active:
        raise SeatlineError("portal_user_removed", f"{portal_user.email} was removed", field="portal_user")
    if portal_user.accepted_at is not None:
        raise SeatlineError(
            "invitation_accepted", f"{portal_user.email} has set a password already", field="portal_user"
        )
    with transaction.atomic():
        return _send_invitation(portal_user, base_url)


def _send_invitation(portal_user: PortalUser, base_url: str) -> PortalInvitation:
    now = clock.now()
    PortalInvitation.objects.filter(portal_user=portal_user, used_at=None, revoked_at=None).update(
        revoked_at=now
    )
    secret = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(days=invitation_days())
    invitation = PortalInvitation.objects.create(
        portal_user=portal_user, token_hash=_hash(secret), created_at=now, expires_at=expires
    )
    url = f"{base_url.rstrip('/')}/portal/join/{secret}/"
    invitation.email = send(
        "portal_invitation",
        to=[portal_user.email],
        to_account=portal_user.account,
        related=portal_user,
        context={
            "company_name": configuration().seller_name,
            "account_name": portal_user.account.name,
            "contact_name": portal_user.name,
            "invitation_url": url,
            "expires_on": expires.date().isoformat(),
        },
    )
    invitation.save(update_fields=["email"])
    invitation.url = url  # type: ignore[attr-defined]
    return invitation


def invitation_state(secret: str) -> tuple[PortalInvitation | None, str]:
    """The invitation of a link and its state: open, used, replaced, expired or unknown."""
    invitation = (
        PortalInvitation.objects.select_related("portal_user__user", "portal_user__account")
        .filter(token_hash=_hash(secret))
        .first()
    )
    if invitation is None:
        return None, "unknown"
    if not invitation.portal_user.active:
        return invitation, "replaced"
    return invitation, invitation.state


def accept_invitation(*, secret: str, password: str) -> PortalUser:
    """Set the password of an invited user through their link, which is then used up.

    Refusals: `invitation_invalid` (unknown, used, replaced or expired link), `weak_password`."""
    with transaction.atomic():
        invitation, state = invitation_state(secret)
        if invitation is not None:
            invitation = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
            state = "used" if invitation.used_at is not None else state
        if invitation is None or state != "open":
            raise SeatlineError(
                "invitation_invalid",
                {
                    "unknown": "this invitation link is not valid",
                    "used": "this invitation link has been used already: log in with your password",
                    "replaced": "this invitation link was replaced by a newer one: use the latest e-mail",
                    "expired": "this invitation link has expired: ask for a new invitation",
                }[state],
                field="token",
            )
        portal_user = invitation.portal_user
        user = portal_user.user
        try:
            validate_password(password, user, password_validators=PASSWORD_VALIDATORS)
        except ValidationError as exc:
            raise SeatlineError("weak_password", " ".join(exc.messages), field="password") from None
        now = clock.now()
        user.set_password(password)
        user.is_active = True
        user.save()
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        portal_user.accepted_at = portal_user.accepted_at or now
        portal_user.save(update_fields=["accepted_at"])
        with acting_as(f"{portal_user.email} (portal)"):
            record(portal_user, "portal_invitation_accepted", message=f"{portal_user.email} set a password")
    return portal_user


def remove_user(*, portal_user: PortalUser, by: PortalUser | None = None) -> PortalUser:
    """Remove a portal user's access (their login stops working). By a portal admin of the same
    account (`by`), or from the back office (`by` None). A user cannot remove themselves."""
    if by is not None:
        access.require(by, "manage_users")
        if by.account_id != portal_user.account_id:
            raise SeatlineError("not_found", "no such portal user", field="portal_user")
        if by.pk == portal_user.pk:
            raise SeatlineError("cannot_remove_self", "you cannot remove yourself", field="portal_user")
    if not portal_user.active:
        raise SeatlineError(
            "portal_user_removed", f"{portal_user.email} was removed already", field="portal_user"
        )
    with transaction.atomic():
        portal_user.active = False
        portal_user.save(update_fields=["active"])
        user = portal_user.user
        user.is_active = False
        user.save(update_fields=["is_active"])
        PortalInvitation.objects.filter(portal_user=portal_user, used_at=None, revoked_at=None).update(
            revoked_at=clock.now()
        )
        record(portal_user, "portal_user_removed", changes={"active": (True, False)})
    return portal_user


def invite_colleague(
    *, by: PortalUser, email: str, role: str, base_url: str, first_name: str = "", last_name: str = ""
) -> PortalInvitation:
    """A portal admin invites a user of their own account."""
    access.require(by, "manage_users")
    return invite_user(
        account=by.account,
        email=email,
        role=role,
        base_url=base_url,
        first_name=first_name,
        last_name=last_name,
        invited_by=f"{by.email} (portal)",
    )


def change_seats(
    *, portal_user: PortalUser, subscription: Subscription, quantity: Any
) -> LicenseChangeLog | None:
    """The customer's seat increase or reduction, through `subscriptions.services.change_quantity`
    (QRB, NCE window and credit-hold refusals come back as they are)."""
    access.require(portal_user, "change_seats")
    if subscription.account_id != portal_user.account_id:
        raise SeatlineError("not_found", "no such subscription", field="subscription")
    with acting_as(f"{portal_user.email} (portal)"):
        return change_quantity(subscription=subscription, quantity=quantity)


def accept_agreement_as(*, portal_user: PortalUser, agreement: Agreement, signer_name: str = "") -> Agreement:
    """The customer accepts a pending agreement, through the providers' `accept_agreement` (an MCA
    of an automatic provider is confirmed at the provider first)."""
    access.require(portal_user, "accept_agreements")
    if agreement.account_id != portal_user.account_id:
        raise SeatlineError("not_found", "no such agreement", field="agreement")
    if agreement.status != Agreement.Status.PENDING:
        raise SeatlineError(
            "agreement_not_pending", f"{agreement.template} is not pending", field="agreement"
        )
    with acting_as(f"{portal_user.email} (portal)"):
        return accept_agreement(
            account=portal_user.account,
            template=agreement.template,
            signed_by_name=signer_name.strip() or portal_user.name,
            signed_by_email=portal_user.email,
            executed_on=clock.today(),
        )


def update_profile(*, portal_user: PortalUser, first_name: str, last_name: str) -> PortalUser:
    user = portal_user.user
    user.first_name = first_name.strip()[:150]
    user.last_name = last_name.strip()[:150]
    user.save(update_fields=["first_name", "last_name"])
    return portal_user
