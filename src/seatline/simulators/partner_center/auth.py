# SPDX-License-Identifier: AGPL-3.0-or-later
"""Entra ID token endpoints and the bearer check on /v1.

`POST /{tenant}/oauth2/token` (v1, answers `resource`) and `POST /{tenant}/oauth2/v2.0/token`
(v2, answers `scope`) take a form body with `grant_type=client_credentials` (client_id +
client_secret) or `grant_type=refresh_token` (refresh_token [+ client_id]). Both grants return
`{token_type, expires_in, ext_expires_in, access_token, refresh_token}`; refresh tokens are single
use (rotation): redeeming one again answers 400 `invalid_grant`. Token lifetimes run on the
simulator clock (`/_sim/config token_lifetime`).

The bearer check: a token this simulator issued must be unexpired; any other bearer token is
accepted unless `strict_auth` is on.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.parse
from typing import Any

from seatline.simulators.partner_center.clock import fmt_instant, parse_instant
from seatline.simulators.partner_center.errors import ApiError
from seatline.simulators.partner_center.state import SimState, new_id
from seatline.simulators.partner_center.web import Request, Response, route

RESOURCE = "https://api.partnercenter.microsoft.com"


def _oauth_error(state: SimState, status: int, error: str, description: str, aad_code: int) -> Response:
    body = {
        "error": error,
        "error_description": f"AADSTS{aad_code}: {description}",
        "error_codes": [aad_code],
        "timestamp": state.now().strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": new_id(),
        "correlation_id": new_id(),
    }
    return Response(status, raw=json.dumps(body).encode())


def _issue(state: SimState, client_id: str, *, v2: bool, scope: str | None) -> dict[str, Any]:
    lifetime = int(state.config["token_lifetime"])
    access = "sim-at-" + secrets.token_urlsafe(24)
    refresh = "sim-rt-" + secrets.token_urlsafe(32)
    state.data["access_tokens"][access] = {
        "clientId": client_id,
        "expiresAt": fmt_instant(state.now() + dt.timedelta(seconds=lifetime)),
    }
    state.data["refresh_tokens"][refresh] = {"clientId": client_id, "used": False}
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
        "refresh_token": refresh,
    }
    if v2:
        body["scope"] = scope or f"{RESOURCE}/.default"
    else:
        body["resource"] = RESOURCE
        body["expires_on"] = str(int((state.now() + dt.timedelta(seconds=lifetime)).timestamp()))
    return body


def _token(request: Request, tenant: str, *, v2: bool) -> Response:
    state = request.state
    try:
        form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        form = {}
    grant = form.get("grant_type", "")
    client_id = form.get("client_id", "")
    if grant == "client_credentials":
        if not client_id or not form.get("client_secret"):
            return _oauth_error(
                state, 400, "invalid_request", "client_id and client_secret are required.", 900144
            )
        return Response(
            200, raw=json.dumps(_issue(state, client_id, v2=v2, scope=form.get("scope"))).encode()
        )
    if grant == "refresh_token":
        token = form.get("refresh_token", "")
        record = state.data["refresh_tokens"].get(token)
        if record is None or record["used"]:
            return _oauth_error(
                state,
                400,
                "invalid_grant",
                "The refresh token has expired, was revoked or was already used.",
                70008,
            )
        if client_id and client_id != record["clientId"]:
            return _oauth_error(
                state, 400, "invalid_grant", "The refresh token was issued to another client.", 70000
            )
        record["used"] = True
        body = _issue(state, record["clientId"], v2=v2, scope=form.get("scope"))
        return Response(200, raw=json.dumps(body).encode())
    return _oauth_error(
        state, 400, "unsupported_grant_type", f"The grant type {grant!r} isn't supported.", 70003
    )


@route("POST", "/{tenant}/oauth2/token")
def token_v1(request: Request, tenant: str) -> Response:
    return _token(request, tenant, v2=False)


@route("POST", "/{tenant}/oauth2/v2.0/token")
def token_v2(request: Request, tenant: str) -> Response:
    return _token(request, tenant, v2=True)


def check_bearer(request: Request) -> None:
    """Raise 401 unless the request carries an acceptable `Authorization: Bearer` token."""
    header = request.header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    challenge = {"WWW-Authenticate": 'Bearer realm="PartnerCenterSimulator", error="invalid_token"'}
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401, 800001, "Partner Token missing in request context.", "Unauthorized", headers=challenge
        )
    state = request.state
    record = state.data["access_tokens"].get(token)
    if record is None:
        if state.config["strict_auth"]:
            raise ApiError(
                401, 400, "Access denied: the access token isn't valid.", "Unauthorized", headers=challenge
            )
        return
    if state.now() >= parse_instant(record["expiresAt"]):
        raise ApiError(
            401, 400, "Access denied: the access token has expired.", "TokenExpired", headers=challenge
        )
