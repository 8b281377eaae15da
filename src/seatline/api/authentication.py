# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who is calling: `Authorization: Bearer sl_...` (an API token), else the back-office session."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from seatline.api.services import TokenRefused, authenticate_token


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "the Authorization header must be `Bearer <token>`", code="invalid_token"
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(
                "the token is not ASCII text", code="invalid_token"
            ) from exc
        try:
            token = authenticate_token(raw)
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from refused
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="seatline"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The back-office login (CSRF-protected for writes), for the schema UI and scripts in a browser."""
