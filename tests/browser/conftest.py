# SPDX-License-Identifier: AGPL-3.0-or-later
"""Playwright driving Debian's Chromium (pip `playwright` with `executable_path`; Playwright's own
browser download cannot work here). Tests skip with a reason when Chromium is absent, and fail
instead under CI=true (.ci/run installs it with apt-get).

Fixtures: `chromium` (one browser for this package's tests) and `page` (a fresh context and page per test,
1280x900, screenshots written by the tests themselves)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services import under_ci

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    configured = os.environ.get("SEATLINE_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium, or set SEATLINE_CHROMIUM)"
        if under_ci():
            pytest.fail(f"{message} (CI=true: required services must be up)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while it is started; Django's
    # async-safety check would otherwise refuse the tests' own (synchronous) database access. Only
    # for this package's tests: the variable must not leak into later tests or their subprocesses
    # (`check --deploy` refuses it).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    browser_page = context.new_page()
    try:
        yield browser_page
    finally:
        context.close()
