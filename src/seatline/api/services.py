# SPDX-License-Identifier: AGPL-3.0-or-later
"""API tokens: created (the secret shown once), checked, revoked.

A token reads `sl_<prefix>_<secret>`: the prefix (8 hex digits) is stored in clear to recognise a
token in lists; of the whole token only its SHA-256 is stored, so a stolen database gives no
usable token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from seatline import clock
from seatline.api.models import ApiToken
from seatline.audit.services import record
from seatline.errors import SeatlineError

TOKEN_PREFIX = "sl_"
#: How stale `last_used_at` may get before a request writes it again (one write per minute, not
#: one per request).
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the full token: shown once, never stored


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    *,
    user: AbstractBaseUser,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: dt.datetime | None = None,
) -> IssuedToken:
    """A new token for `user`; the returned secret is the only time it is available."""
    name = (name or "").strip()
    if not name:
        raise SeatlineError("invalid_name", "give the token a name (what uses it)", field="name")
    if scope not in ApiToken.Scope.values:
        raise SeatlineError("invalid_scope", f"unknown scope {scope!r} (read or read_write)", field="scope")
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise SeatlineError("invalid_date", "expires_at must be an aware datetime", field="expires_at")
        if expires_at <= clock.now():
            raise SeatlineError("invalid_date", "the expiry must be in the future", field="expires_at")
    if not user.is_active:
        raise SeatlineError("user_inactive", f"{user.get_username()} is not active", field="user")
    for _ in range(5):
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name[:100],
                    prefix=prefix,
                    key_hash=hash_token(raw),
                    scope=scope,
                    expires_at=expires_at,
                    created_at=clock.now(),
                )
                record(
                    token,
                    "api_token_created",
                    changes={"scope": (None, scope), "user": (None, user.get_username())},
                    message=f"token sl_{prefix}_… for {user.get_username()}"
                    + (f", expires {expires_at.isoformat()}" if expires_at else ""),
                )
        except IntegrityError:  # the same 8-digit prefix already exists: draw again
            continue
        return IssuedToken(token=token, secret=raw)
    raise SeatlineError("token_prefix_exhausted", "could not draw a unique token prefix; try again")


def revoke_token(*, token: ApiToken) -> ApiToken:
    """Refuse the token from now on (kept for the audit trail). Revoking twice changes nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = clock.now()
            locked.save(update_fields=["revoked_at"])
            record(locked, "api_token_revoked", message=f"token sl_{locked.prefix}_… revoked")
    token.revoked_at = locked.revoked_at
    return locked


class TokenRefused(Exception):
    """The presented token is not usable: `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def authenticate_token(raw: str) -> ApiToken:
    """The live token for `raw` (with its user), or TokenRefused; records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise TokenRefused("invalid_token", "not a Seatline API token")
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None:
        raise TokenRefused("invalid_token", "unknown API token")
    now = clock.now()
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", "this API token was revoked")
    if token.is_expired(now):
        raise TokenRefused("token_expired", "this API token has expired")
    if not token.user.is_active:
        raise TokenRefused("user_inactive", "the token's user is not active")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
