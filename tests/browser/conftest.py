"""Playwright driving Debian's Chromium (/usr/bin/chromium) against a live Django server.

No browser is downloaded: `make install` installs Debian's chromium, and Playwright is told
to launch that executable. Playwright's sync API runs an event loop in this thread, so
Django's async-safety guard is relaxed for the browser tests only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("RYOKEN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=ja",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make install` (installs Debian's chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, ledger_db):
    context = chromium.new_context(locale="ja-JP", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    """Save a screenshot for a person to look at (var/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, staff, password: str = "correct-horse-battery-staple") -> None:
    """Log in through the real two-step form: password, then the TOTP code."""
    from ryoken.web.accounts.services import current_code

    page.goto("/login/")
    page.fill("input[name=username]", staff.staff_id)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/code/**")
    page.fill("input[name=token]", current_code(staff.device))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
