# SPDX-License-Identifier: AGPL-3.0-or-later
"""The newcomer's path through the back office in a real browser (Debian's Chromium), on a live
`seatline serve`: the account overview, a new subscription whose price fills from the price list,
a reduction showing what it credits before it is confirmed, the invoice page, the run report's CSV
button. Screenshots of each go to docs/img/ (linked from the README)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.web.live import SEATLINE, LiveServer, live_server, server_env

pytestmark = pytest.mark.own_sqlite  # its own Seatline on its own SQLite database

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "img"
PASSWORD = "walk-the-back-office-1"


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with live_server(tmp_path, SEATLINE_HTTPS="false") as live:
        subprocess.run(
            [
                *SEATLINE,
                "createsuperuser",
                "--noinput",
                "--username",
                "newcomer",
                "--email",
                "new@comer.test",
            ],
            env=server_env(tmp_path, DJANGO_SUPERUSER_PASSWORD=PASSWORD),
            check=True,
            capture_output=True,
        )
        yield live


def shot(page: Any, name: str) -> None:
    """With SEATLINE_SCREENSHOTS=1 the README's screenshots in docs/img/ are rewritten; otherwise
    they go to a temporary folder (a test run leaves the checkout as it was)."""
    folder = (
        SHOTS
        if os.environ.get("SEATLINE_SCREENSHOTS") == "1"
        else Path(tempfile.gettempdir()) / "seatline-shots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"newcomer-{name}.png"), full_page=False)


def test_the_newcomer_path(page: Any, server: LiveServer) -> None:
    admin = f"{server.url}/admin"
    page.goto(f"{admin}/login/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, page.content()[-3000:]

    # 1. The account overview: balance, MRR, contracts, open invoices, first.
    page.goto(f"{admin}/customers/account/?q=Contoso")
    page.click("text=Contoso")
    overview = page.locator("[data-testid=account-overview]")
    overview.wait_for()
    assert "BALANCE DUE" in overview.inner_text().upper()
    assert "Contoso CSP" in overview.inner_text()
    shot(page, "account-overview")

    # 2. A new subscription: choosing the product fills the price from the contract's price list.
    page.goto(f"{admin}/subscriptions/subscription/add/")
    contract_id, product_id = _ids(server)
    page.evaluate(
        """([contract, product]) => {
            const $ = django.jQuery;
            $('#id_contract').append(new Option('Contoso CSP', contract, true, true)).trigger('change');
            $('#id_product').append(new Option('Microsoft 365 E3', product, true, true)).trigger('change');
        }""",
        [contract_id, product_id],
    )
    page.wait_for_function("document.getElementById('id_price').value === '36.00'")
    assert page.input_value("#id_name") == "Microsoft 365 E3"
    assert page.input_value("#id_cost") == "32.40"
    shot(page, "subscription-from-catalog")

    # 3. A reduction shows what it credits before it is confirmed.
    subscription_id = _subscription_id(server)
    page.goto(f"{admin}/subscriptions/subscription/{subscription_id}/do/change-quantity/")
    page.fill("#id_quantity", "4")
    page.click("button[name=preview]")
    page.wait_for_selector("text=What this change bills or credits")
    shot(page, "reduction-preview")

    # 4. The invoice page reads like the invoice.
    page.goto(f"{admin}/invoicing/invoice/?q=Contoso")
    page.locator("#result_list tbody tr a").first.click()
    page.locator("[data-testid=invoice-document]").wait_for()
    assert page.locator("input[name=_save]").count() == 0
    shot(page, "invoice")

    # 5. The run report's CSV button.
    page.goto(f"{admin}/invoicing/invoicerun/")
    button = page.locator("text=Download CSV")
    button.wait_for()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.startswith("invoicing-runs-")
    shot(page, "run-report")


def _query(server: LiveServer, code: str) -> str:
    result = subprocess.run(
        [*SEATLINE, "shell", "-c", code],
        env=server_env(server.data_dir),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _ids(server: LiveServer) -> tuple[int, int]:
    text = _query(
        server,
        "from seatline.contracts.models import BillingContract as C; from seatline.catalog.models import Product as P; "
        "print(C.objects.get(name='Contoso CSP').pk, P.objects.get(name='Microsoft 365 E3').pk)",
    )
    contract, product = text.split()
    return int(contract), int(product)


def _subscription_id(server: LiveServer) -> int:
    return int(
        _query(
            server,
            "from seatline.subscriptions.models import Subscription as S; "
            "print(S.objects.get(contract__name='Contoso CSP', name='Microsoft 365 E3').pk)",
        )
    )
