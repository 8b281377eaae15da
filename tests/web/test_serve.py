# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline serve`: gunicorn with WhiteNoise static files, secure headers, the API and its docs
without any CDN, and a graceful stop."""

from __future__ import annotations

import re
import signal

import httpx
import pytest

from tests.web.live import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]


def test_the_back_office_and_hashed_static_files(server: LiveServer) -> None:
    login = httpx.get(f"{server.url}/admin/login/", timeout=10)
    assert login.status_code == 200
    assert login.headers["server"] == "gunicorn"
    assert login.headers["x-frame-options"] == "DENY"
    assert login.headers["x-content-type-options"] == "nosniff"
    stylesheet = re.search(r'href="(/static/unfold/css/styles\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet is not None, "pages link hashed static files (collected at start)"
    css = httpx.get(f"{server.url}{stylesheet.group(1)}", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert css.status_code == 200
    assert css.headers["cache-control"] == "max-age=315360000, public, immutable"
    assert css.headers["content-encoding"] == "gzip"


def test_hsts_and_secure_cookies_behind_https(server: LiveServer) -> None:
    # DEBUG off: HTTPS mode. Without a trusted proxy header the request is plain HTTP (no HSTS)...
    plain = httpx.get(f"{server.url}/admin/login/", timeout=10)
    assert "strict-transport-security" not in plain.headers
    assert "Secure" in plain.headers["set-cookie"]  # csrftoken
    assert "HttpOnly" in httpx.post(f"{server.url}/admin/login/", timeout=10).headers.get(
        "set-cookie", "HttpOnly"
    )


def test_the_api_its_schema_and_its_docs_without_cdn(server: LiveServer) -> None:
    anonymous = httpx.get(f"{server.url}/api/v1/accounts/", timeout=10)
    assert (anonymous.status_code, anonymous.headers["content-type"]) == (401, "application/problem+json")
    listing = httpx.get(
        f"{server.url}/api/v1/accounts/", headers={"Authorization": f"Bearer {server.token}"}, timeout=10
    )
    assert [row["name"] for row in listing.json()["results"]] == ["Contoso", "Fabrikam"]
    schema = httpx.get(f"{server.url}/api/schema/?format=json", timeout=10).json()
    assert schema["openapi"].startswith("3.")
    for ui in ("/api/docs/", "/api/redoc/"):
        page = httpx.get(f"{server.url}{ui}", timeout=10)
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(source.startswith("/static/") for source in sources), sources
        for source in sources:
            assert httpx.get(f"{server.url}{source}", timeout=10).status_code == 200, source


def test_sigterm_stops_the_server(server: LiveServer) -> None:
    """Last in the module: the fixture's server stops cleanly on SIGTERM."""
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    assert "Shutting down: Master" in server.log()
