# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pax8 access tokens: OAuth 2.0 client credentials, a JSON body, cached until shortly before expiry.

    POST https://login.pax8.com/oauth/token
    {"client_id", "client_secret", "audience": "api://p8p.client", "grant_type": "client_credentials"}
    -> {"access_token", "expires_in": 86400, "token_type": "Bearer"}
    refusal -> 401 {"error": "access_denied", "error_description": "Unauthorized"}

Pax8's newer authentication document names `POST https://api.pax8.com/v1/token` with audience
`https://api.pax8.com`; both are settings (`token_url`, `audience`). `get_token(force_refresh=True)`
(the client does this once after a 401) bypasses the cache.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from seatline import clock
from seatline.connectors.errors import ProviderAuthFailedError, ProviderUnavailableError

DEFAULT_TOKEN_URL = "https://login.pax8.com/oauth/token"
DEFAULT_AUDIENCE = "api://p8p.client"
EXPIRY_SKEW = dt.timedelta(seconds=60)
DEFAULT_LIFETIME = 86400


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: dt.datetime


class Pax8TokenProvider:
    """Client-credentials tokens for one Pax8 partner (thread-safe; one token cached)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_url: str = DEFAULT_TOKEN_URL,
        audience: str = DEFAULT_AUDIENCE,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.audience = audience
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self._now = now or clock.now
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self.acquired = 0  # tokens fetched so far (tests and diagnostics)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def get_token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            token = self._token
            if force_refresh or token is None or self._now() >= token.expires_at - EXPIRY_SKEW:
                token = self._token = self._acquire()
            return token.value

    def _acquire(self) -> AccessToken:
        body = {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "audience": self.audience,
            "grant_type": "client_credentials",
        }
        try:
            response = self._http.post(self.token_url, json=body, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(
                "the Pax8 token endpoint could not be reached", provider_message=repr(exc), retryable=True
            ) from exc
        answer = _json_object(response.content)
        if response.status_code >= 500:
            raise ProviderUnavailableError(
                "the Pax8 token endpoint failed",
                provider_message=str(answer.get("error_description") or response.text[:500]),
                http_status=response.status_code,
                retryable=True,
            )
        if response.status_code != 200 or not answer.get("access_token"):
            error = str(answer.get("error") or "")
            raise ProviderAuthFailedError(
                f"Pax8 refused the client credentials ({error or 'no error code'})",
                provider_name=error or None,
                provider_message=str(answer.get("error_description") or response.text[:500]),
                http_status=response.status_code,
            )
        self.acquired += 1
        return AccessToken(str(answer["access_token"]), self._now() + _lifetime(answer.get("expires_in")))


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        value = json.loads(content.decode("utf-8-sig") or "{}", parse_float=Decimal)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _lifetime(expires_in: object) -> dt.timedelta:
    try:
        seconds = int(Decimal(str(expires_in)))
    except (ArithmeticError, ValueError):
        seconds = DEFAULT_LIFETIME
    return dt.timedelta(seconds=max(seconds, 0))


class StaticTokenProvider:
    """A fixed token (local tools)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *, force_refresh: bool = False) -> str:
        return self._token
