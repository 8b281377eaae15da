# SPDX-License-Identifier: AGPL-3.0-or-later
"""The browser harness itself: Debian's Chromium driven by Playwright renders a page."""

from __future__ import annotations

from typing import Any


def test_chromium_renders_a_page(page: Any) -> None:
    page.set_content("<html><body><h1 id='t'>Seatline 1.234,56 €</h1></body></html>")
    assert page.inner_text("#t") == "Seatline 1.234,56 €"
    assert page.evaluate("navigator.userAgent").count("HeadlessChrome") == 1
