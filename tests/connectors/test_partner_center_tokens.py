# SPDX-License-Identifier: AGPL-3.0-or-later
"""Token providers: form posts to the Entra v1 endpoint, caching, rotation; MSAL construction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from seatline.connectors.errors import ProviderAuthFailedError
from seatline.connectors.partner_center.tokens import (
    ClientCredentialsTokenProvider,
    InMemoryTokenStore,
    MsalTokenProvider,
    RefreshTokenProvider,
    TokenProvider,
)
from tests.connectors.local_server import LocalServer, Reply, Seen


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


def _form(seen: Seen) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(seen.body).items()}


def test_client_credentials_posts_the_form_and_caches_until_expiry(server: LocalServer) -> None:
    issued: list[str] = []

    def token(seen: Seen) -> Reply:
        issued.append(f"at-{len(issued) + 1}")
        return Reply(200, {"token_type": "Bearer", "expires_in": "3600", "access_token": issued[-1]})

    server.routes["POST /partner-tenant/oauth2/token"] = token
    clock = Clock()
    provider = ClientCredentialsTokenProvider(
        tenant_id="partner-tenant", client_id="app", client_secret="secret", authority=server.url, now=clock
    )
    assert isinstance(provider, TokenProvider)
    assert provider.get_token() == "at-1"
    assert provider.get_token() == "at-1"
    clock.now += dt.timedelta(seconds=3600 - 59)  # inside the 60 s skew: renew early
    assert provider.get_token() == "at-2"
    assert provider.get_token(force_refresh=True) == "at-3"
    assert _form(server.seen[0]) == {
        "grant_type": "client_credentials",
        "client_id": "app",
        "client_secret": "secret",
        "resource": "https://api.partnercenter.microsoft.com",
    }
    assert server.seen[0].headers["content-type"] == "application/x-www-form-urlencoded"
    provider.close()


def test_refresh_token_rotation_is_stored_and_reuse_fails(server: LocalServer) -> None:
    valid = {"rt-0"}

    def token(seen: Seen) -> Reply:
        form = _form(seen)
        if form["refresh_token"] not in valid:
            return Reply(400, {"error": "invalid_grant", "error_description": "AADSTS70000: token was used"})
        valid.discard(form["refresh_token"])
        new = f"rt-{len(server.seen)}"
        valid.add(new)
        return Reply(
            200, {"access_token": f"at-{len(server.seen)}", "expires_in": 3600, "refresh_token": new}
        )

    server.routes["POST /t/oauth2/token"] = token
    store = InMemoryTokenStore()
    provider = RefreshTokenProvider(
        tenant_id="t",
        client_id="app",
        client_secret="s",
        store=store,
        store_key="pc",
        refresh_token="rt-0",
        authority=server.url,
    )
    assert provider.get_token() == "at-1"
    assert store.load_refresh_token("pc") == "rt-1"
    assert provider.get_token(force_refresh=True) == "at-2"
    assert store.load_refresh_token("pc") == "rt-2"
    form = _form(server.seen[1])
    assert (form["grant_type"], form["refresh_token"], form["scope"]) == ("refresh_token", "rt-1", "openid")

    store.save_refresh_token("pc", "rt-1")  # someone restored an old token
    with pytest.raises(ProviderAuthFailedError) as caught:
        provider.get_token(force_refresh=True)
    error = caught.value
    assert (error.code, error.provider_name, error.provider_message, error.http_status) == (
        "provider_auth_failed",
        "invalid_grant",
        "AADSTS70000: token was used",
        400,
    )
    assert "consent again" in error.message
    provider.close()


def test_refresh_token_provider_without_a_token() -> None:
    provider = RefreshTokenProvider(
        tenant_id="t", client_id="a", client_secret="s", authority="http://127.0.0.1:9"
    )
    with pytest.raises(ProviderAuthFailedError, match="no refresh token is stored"):
        provider.get_token()
    provider.close()


def test_msal_provider_is_constructed_without_network() -> None:
    provider = MsalTokenProvider(tenant_id="contoso-tenant", client_id="app", client_secret="secret")
    assert isinstance(provider, TokenProvider)
    assert provider.authority == "https://login.microsoftonline.com/contoso-tenant"
    assert provider.scopes == ("https://api.partnercenter.microsoft.com/.default",)
    assert provider.app_built is False  # MSAL discovery happens on first use only
    refresh = MsalTokenProvider(
        tenant_id="t", client_id="a", client_secret="s", store=InMemoryTokenStore(), use_refresh_token=True
    )
    assert refresh.use_refresh_token is True and refresh.app_built is False
