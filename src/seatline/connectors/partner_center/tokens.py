# SPDX-License-Identifier: AGPL-3.0-or-later
"""Access tokens for Partner Center (Microsoft Entra ID).

* `ClientCredentialsTokenProvider`: app-only (client credentials) over the Entra v1 token endpoint
  `POST {authority}/{tenant}/oauth2/token` with a form body and `resource=`.
* `RefreshTokenProvider`: app+user ("Secure Application Model"): redeems the stored refresh token
  at the same endpoint and stores the rotated refresh token through a `TokenStore` every time.
* `MsalTokenProvider`: the same two flows through `msal.ConfidentialClientApplication`, for real
  tenants (MSAL does instance/tenant discovery, so it is never pointed at the simulator).

Tokens are cached until shortly before they expire; `get_token(force_refresh=True)` (the client
does this once after a 401) bypasses the cache.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import httpx

from seatline import clock
from seatline.connectors.errors import ProviderAuthFailedError, ProviderUnavailableError
from seatline.connectors.partner_center.parsing import decode_body, loads

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
PARTNER_CENTER_RESOURCE = "https://api.partnercenter.microsoft.com"
PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default"
EXPIRY_SKEW = dt.timedelta(seconds=60)


@runtime_checkable
class TokenProvider(Protocol):
    """Gives a bearer access token for Partner Center."""

    def get_token(self, *, force_refresh: bool = False) -> str: ...


@runtime_checkable
class TokenStore(Protocol):
    """Where the current refresh token lives (it rotates on every redemption).

    A Django-model-backed store (encrypted column per provider account) implements this in the
    providers app; connectors only depend on the protocol.
    """

    def load_refresh_token(self, key: str) -> str | None: ...

    def save_refresh_token(self, key: str, refresh_token: str) -> None: ...


class InMemoryTokenStore:
    """Process-local store: tests, one-off commands."""

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        self._tokens = dict(initial or {})
        self._lock = threading.Lock()

    def load_refresh_token(self, key: str) -> str | None:
        with self._lock:
            return self._tokens.get(key)

    def save_refresh_token(self, key: str, refresh_token: str) -> None:
        with self._lock:
            self._tokens[key] = refresh_token


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: dt.datetime


class _CachingTokenProvider:
    """Caches one access token; subclasses implement `_acquire()`."""

    def __init__(self, *, now: Callable[[], dt.datetime] | None = None) -> None:
        self._now = now or clock.now
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def get_token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            token = self._token
            if force_refresh or token is None or self._now() >= token.expires_at - EXPIRY_SKEW:
                token = self._token = self._acquire()
            return token.value

    def _acquire(self) -> AccessToken:  # pragma: no cover - abstract
        raise NotImplementedError

    def _expiry(self, expires_in: object) -> dt.datetime:
        try:
            seconds = int(str(expires_in))
        except ValueError:
            seconds = 3600
        return self._now() + dt.timedelta(seconds=seconds)


class _EntraFormTokenProvider(_CachingTokenProvider):
    """Form post to the Entra v1 endpoint `{authority}/{tenant}/oauth2/token`."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority: str = DEFAULT_AUTHORITY,
        resource: str = PARTNER_CENTER_RESOURCE,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(now=now)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._client_secret = client_secret
        self.authority = authority.rstrip("/")
        self.resource = resource
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_http:
            self._http.close()

    @property
    def token_url(self) -> str:
        return f"{self.authority}/{self.tenant_id}/oauth2/token"

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.post(self.token_url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(
                "the token endpoint could not be reached", provider_message=str(exc), retryable=True
            ) from exc
        try:  # a BOM-prefixed body is read; an unreadable one is an error below, never a token
            text = decode_body(response.content, response.charset_encoding)
            body = loads(text) if text.strip() else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code != 200 or not body.get("access_token"):
            error = str(body.get("error") or "")
            description = str(body.get("error_description") or response.text[:500])
            if response.status_code >= 500:
                raise ProviderUnavailableError(
                    "the token endpoint failed",
                    provider_message=description,
                    http_status=response.status_code,
                    retryable=True,
                )
            raise ProviderAuthFailedError(
                self._failure_message(error),
                provider_name=error or None,
                provider_message=description,
                http_status=response.status_code,
            )
        return body

    def _failure_message(self, error: str) -> str:
        return f"the token endpoint refused the credentials ({error or 'no error code'})"


class ClientCredentialsTokenProvider(_EntraFormTokenProvider):
    """App-only tokens (client_credentials grant)."""

    def _acquire(self) -> AccessToken:
        body = self._post(
            {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._client_secret,
                "resource": self.resource,
            }
        )
        return AccessToken(str(body["access_token"]), self._expiry(body.get("expires_in")))


class RefreshTokenProvider(_EntraFormTokenProvider):
    """App+user tokens from a stored refresh token; every rotated refresh token is saved at once."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        store: TokenStore | None = None,
        store_key: str = "partner_center",
        refresh_token: str | None = None,
        authority: str = DEFAULT_AUTHORITY,
        resource: str = PARTNER_CENTER_RESOURCE,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            authority=authority,
            resource=resource,
            http=http,
            timeout=timeout,
            now=now,
        )
        self.store: TokenStore = store or InMemoryTokenStore()
        self.store_key = store_key
        if refresh_token and not self.store.load_refresh_token(store_key):
            self.store.save_refresh_token(store_key, refresh_token)

    def _failure_message(self, error: str) -> str:
        if error == "invalid_grant":
            return (
                "the stored refresh token was rejected (invalid_grant: expired, revoked or already used); "
                "a partner admin must consent again"
            )
        return super()._failure_message(error)

    def _acquire(self) -> AccessToken:
        refresh_token = self.store.load_refresh_token(self.store_key)
        if not refresh_token:
            raise ProviderAuthFailedError("no refresh token is stored; a partner admin must consent first")
        body = self._post(
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "client_secret": self._client_secret,
                "refresh_token": refresh_token,
                "resource": self.resource,
                "scope": "openid",
            }
        )
        rotated = body.get("refresh_token")
        if rotated and rotated != refresh_token:
            self.store.save_refresh_token(self.store_key, str(rotated))
        return AccessToken(str(body["access_token"]), self._expiry(body.get("expires_in")))


class MsalTokenProvider(_CachingTokenProvider):
    """Tokens through MSAL for real tenants.

    Without a refresh token: `acquire_token_for_client([".../.default"])` (app-only). With one
    (in `store`): `acquire_token_by_refresh_token(rt, scopes)`; the rotated refresh token MSAL
    returns is saved to the store. The MSAL application is built lazily on first use because
    its constructor performs authority discovery over the network.
    """

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority_host: str = DEFAULT_AUTHORITY,
        scopes: tuple[str, ...] = (PARTNER_CENTER_SCOPE,),
        store: TokenStore | None = None,
        store_key: str = "partner_center",
        use_refresh_token: bool = False,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(now=now)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._client_secret = client_secret
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.scopes = scopes
        self.store = store
        self.store_key = store_key
        self.use_refresh_token = use_refresh_token
        self._app: Any = None

    @property
    def app_built(self) -> bool:
        return self._app is not None

    def _application(self) -> Any:
        if self._app is None:
            import msal

            self._app = msal.ConfidentialClientApplication(
                self.client_id, client_credential=self._client_secret, authority=self.authority
            )
        return self._app

    def _acquire(self) -> AccessToken:
        app = self._application()
        if self.use_refresh_token:
            if self.store is None:
                raise ProviderAuthFailedError("MSAL refresh-token mode needs a token store")
            refresh_token = self.store.load_refresh_token(self.store_key)
            if not refresh_token:
                raise ProviderAuthFailedError(
                    "no refresh token is stored; a partner admin must consent first"
                )
            result = app.acquire_token_by_refresh_token(refresh_token, scopes=list(self.scopes))
        else:
            result = app.acquire_token_for_client(scopes=list(self.scopes))
        if not isinstance(result, dict) or "access_token" not in result:
            error = str((result or {}).get("error") or "")
            raise ProviderAuthFailedError(
                f"MSAL could not acquire a token ({error or 'unknown error'})",
                provider_name=error or None,
                provider_message=str((result or {}).get("error_description") or ""),
            )
        rotated = result.get("refresh_token")
        if self.use_refresh_token and rotated and self.store is not None:
            self.store.save_refresh_token(self.store_key, str(rotated))
        return AccessToken(str(result["access_token"]), self._expiry(result.get("expires_in")))


class StaticTokenProvider:
    """A fixed token (local tools; a simulator in permissive auth mode)."""

    def __init__(self, token: str = "seatline-static-token") -> None:
        self._token = token

    def get_token(self, *, force_refresh: bool = False) -> str:
        return self._token
