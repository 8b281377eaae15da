# SPDX-License-Identifier: AGPL-3.0-or-later
"""API tokens: hashed, shown once, last use recorded, revocable; managed in the back office."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from seatline import clock
from seatline.api.models import ApiToken
from seatline.api.services import authenticate_token, create_token
from seatline.api.tests.conftest import Tenant, make_user
from seatline.audit.models import AuditEvent
from seatline.errors import SeatlineError


def test_only_the_hash_is_stored(db: None) -> None:
    user = make_user("integrator", "Sales")
    issued = create_token(user=user, name="ERP sync", scope="read_write")
    assert re.fullmatch(r"sl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", issued.secret)
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.prefix == issued.secret[3:11]
    assert token.key_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert AuditEvent.objects.filter(action="api_token_created", object_id=str(token.pk)).exists()


def test_bad_token_requests_are_refused(db: None) -> None:
    user = make_user("integrator", "Sales")
    with pytest.raises(SeatlineError) as error:
        create_token(user=user, name=" ")
    assert error.value.code == "invalid_name"
    with pytest.raises(SeatlineError) as error:
        create_token(user=user, name="x", scope="admin")
    assert error.value.code == "invalid_scope"
    with pytest.raises(SeatlineError) as error:
        create_token(user=user, name="x", expires_at=clock.now() - dt.timedelta(seconds=1))
    assert error.value.code == "invalid_date"


def test_last_use_is_recorded_once_a_minute(tenant: Tenant, client_for: Callable[..., APIClient]) -> None:
    client = client_for("Read-only")
    assert client.token.last_used_at is None
    client.get("/api/v1/accounts/")
    first = ApiToken.objects.get(pk=client.token.pk).last_used_at
    assert first == clock.now()
    with clock.frozen(clock.now() + dt.timedelta(seconds=30)):
        client.get("/api/v1/accounts/")
        assert ApiToken.objects.get(pk=client.token.pk).last_used_at == first
    later = clock.now() + dt.timedelta(minutes=2)
    with clock.frozen(later):
        client.get("/api/v1/accounts/")
    assert ApiToken.objects.get(pk=client.token.pk).last_used_at == later


def test_an_inactive_users_token_is_refused(db: None) -> None:
    user = make_user("leaver", "Sales")
    issued = create_token(user=user, name="x")
    user.is_active = False
    user.save()
    with pytest.raises(Exception) as error:
        authenticate_token(issued.secret)
    assert getattr(error.value, "code", None) == "user_inactive"


def test_the_back_office_shows_a_new_token_once_and_revokes(db: None) -> None:
    user = make_user("sam", "Sales")
    browser = Client()
    browser.force_login(user)
    response = browser.post(
        "/admin/api/apitoken/add/",
        {"name": "Zapier", "scope": "read", "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Zapier")
    assert token.user == user and token.scope == "read"
    secret = re.search(r"sl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", response.content.decode()).group(0)
    assert hashlib.sha256(secret.encode()).hexdigest() == token.key_hash
    assert secret not in browser.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    # a sales user sees only their own tokens
    other = create_token(user=make_user("val", "Sales"), name="Val's")
    listing = browser.get("/admin/api/apitoken/").content.decode()
    assert "Zapier" in listing and "Val&#x27;s" not in listing and "Val's" not in listing
    assert browser.get(f"/admin/api/apitoken/{other.token.pk}/change/").status_code == 302
    browser.post(
        "/admin/api/apitoken/", {"action": "revoke_selected", "_selected_action": [token.pk], "index": 0}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/accounts/").json()["code"] == "token_revoked"
