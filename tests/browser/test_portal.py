# SPDX-License-Identifier: AGPL-3.0-or-later
"""The customer portal and the back-office dashboards in Chromium, against a live `seatline serve`.

A back-office user invites a portal user; the invitation e-mail is sent by the worker through the
recording backend (.eml files) and read back; the link sets the password; the user logs in, raises
and reduces seats (one reduction refused by the NCE window), opens an invoice and its PDF. The
back-office home renders its charts. With SEATLINE_SCREENSHOTS=1 the screenshots are written to
docs/img/ (portal-*.png, dashboard-*.png), else to the test's temporary folder.
"""

from __future__ import annotations

import email
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest

from tests.web.live import ROOT, SEATLINE, LiveServer, live_server, server_env

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]

PORTAL_PASSWORD = "portal pass 2026!"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, Any], dict[str, str]]]:
    data_dir = Path(tmp_path_factory.mktemp("portal-live"))
    env = {
        "EMAIL_BACKEND": "seatline.notifications.backends.RecordingEmailBackend",
        "SEATLINE_EMAIL_RECORD_DIR": str(data_dir / "outbox"),
        "SEATLINE_HTTPS": "false",
    }
    with live_server(data_dir, **env) as server:
        full_env = {**server_env(data_dir, **env), "DJANGO_SETTINGS_MODULE": "seatline.settings"}
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.browser.portal_seed"],
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            check=True,
        )
        yield server, json.loads(seeded.stdout), full_env


def shots(tmp_path: Path) -> Path:
    if os.environ.get("SEATLINE_SCREENSHOTS") == "1":
        return ROOT / "docs" / "img"
    return tmp_path


def run_worker(env: dict[str, str], data_dir: Path) -> None:
    subprocess.run(
        [*SEATLINE, "worker", "--once"], cwd=data_dir, env=env, capture_output=True, check=True, timeout=300
    )


def invitation_link(outbox: Path) -> str:
    messages = sorted(outbox.glob("*-portal_invitation.eml"))
    assert len(messages) == 1, [path.name for path in outbox.glob("*")]
    message = email.message_from_bytes(messages[0].read_bytes(), policy=policy.default)
    assert message["To"] == "lin@contoso.test"
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"http://127\.0\.0\.1:\d+/portal/join/[A-Za-z0-9_-]+/", body)
    assert found is not None, body
    return found.group(0)


def test_invite_accept_log_in_change_seats_and_read_an_invoice(
    site: tuple[LiveServer, dict[str, Any], dict[str, str]], chromium: Any, page: Any, tmp_path: Path
) -> None:
    server, seed, env = site
    out = shots(tmp_path)
    # -- the back office invites Lin (portal admin of Contoso) ------------------------------------
    page.goto(f"{server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", seed["username"])
    page.fill("input[name=password]", seed["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")
    page.goto(f"{server.url}/admin/portal/portaluser/add/")
    page.select_option("select[name=account]", label="Contoso")
    page.fill("input[name=email]", "lin@contoso.test")
    page.fill("input[name=first_name]", "Lin")
    page.fill("input[name=last_name]", "Chen")
    page.select_option("select[name=role]", value="admin")
    page.click("button[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/portal/portaluser/$"))
    assert "lin@contoso.test" in page.content()

    # -- the worker sends the e-mail; the link sets the password ----------------------------------
    run_worker(env, server.data_dir)
    link = invitation_link(server.data_dir / "outbox")
    customer = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    customer.set_default_timeout(20_000)
    portal = customer.new_page()
    portal.goto(link)
    assert "Welcome, Lin Chen" in portal.inner_text("h1")
    portal.fill("input[name=password]", PORTAL_PASSWORD)
    portal.fill("input[name=password_again]", PORTAL_PASSWORD)
    portal.click("button[type=submit]")
    portal.wait_for_url(f"{server.url}/portal/")
    # the link is used up
    portal.goto(link)
    assert "already been used" in portal.inner_text("main")

    # -- log out and in again ----------------------------------------------------------------------
    portal.goto(f"{server.url}/portal/")
    portal.click("text=Log out")
    portal.wait_for_url(f"{server.url}/portal/login/")
    portal.fill("input[name=email]", "lin@contoso.test")
    portal.fill("input[name=password]", PORTAL_PASSWORD)
    portal.click("button[type=submit]")
    portal.wait_for_url(f"{server.url}/portal/")
    assert "Hello Lin Chen" in portal.inner_text("h1")
    assert "Fabrikam" not in portal.content()
    portal.screenshot(path=str(out / "portal-home.png"), full_page=True)

    # -- seats: raise, reduce, and a reduction the NCE window refuses -----------------------------
    portal.click("text=Subscriptions")
    portal.click("text=Microsoft 365 E3")
    assert portal.inner_text("#seat-count") == "10"
    for quantity, expected in (
        ("12", "Seats changed from 10 to 12."),
        ("11", "Seats changed from 12 to 11."),
    ):
        portal.fill("input[name=quantity]", quantity)
        portal.click("text=Change seats")
        portal.wait_for_selector(f"text={expected}")
        assert portal.inner_text("#seat-count") == quantity
    portal.fill("input[name=quantity]", "5")
    portal.click("text=Change seats")
    refusal = portal.wait_for_selector("#seats .error")
    assert "the 7-day NCE window for reducing seats has passed for some seats" in refusal.inner_text()
    assert portal.inner_text("#seat-count") == "11"
    portal.screenshot(path=str(out / "portal-seats.png"), full_page=True)

    # -- an invoice and its PDF ---------------------------------------------------------------------
    run_worker(env, server.data_dir)  # renders the PDFs of the issued invoices (create_pdf jobs)
    portal.click("text=Invoices")
    portal.wait_for_url(f"{server.url}/portal/invoices/")
    portal.screenshot(path=str(out / "portal-invoices.png"), full_page=True)
    portal.click("table.list tbody tr:first-child a")
    portal.wait_for_selector("text=Download PDF")
    portal.screenshot(path=str(out / "portal-invoice.png"), full_page=True)
    pdf_url = portal.get_attribute("text=Download PDF", "href")
    pdf = portal.request.get(f"{server.url}{pdf_url}")
    assert pdf.status == 200, pdf.text()[-1500:]
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # -- the same portal on a phone ---------------------------------------------------------------
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.add_cookies(customer.cookies())
    mobile = phone.new_page()
    mobile.goto(f"{server.url}/portal/subscriptions/")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone's screen
    mobile.screenshot(path=str(out / "portal-mobile.png"), full_page=True)
    phone.close()
    customer.close()


def test_the_back_office_home_renders_its_charts(
    site: tuple[LiveServer, dict[str, Any], dict[str, str]], page: Any, tmp_path: Path
) -> None:
    server, seed, _ = site
    page.goto(f"{server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", seed["username"])
    page.fill("input[name=password]", seed["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")
    for anchor in ("#dashboard-billing", "#dashboard-manager", "#dashboard-payments"):
        page.wait_for_selector(anchor)
    page.wait_for_function("document.querySelectorAll('canvas.chart').length === 4")
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas.chart')).map(c => Chart.getChart(c) !== undefined)"
    )
    assert drawn == [True, True, True, True]
    assert page.inner_text("[data-figure=failed-jobs]") == "2"
    page.set_viewport_size({"width": 1280, "height": 1450})
    page.screenshot(path=str(shots(tmp_path) / "dashboard-home.png"))
