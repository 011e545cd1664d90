"""A staff member logs in with password and code in a real Chromium, in Japanese."""

from __future__ import annotations

import pytest

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_logs_in_and_shows_the_menu_in_japanese(page, make_staff):
    alice = make_staff("counter_clerk", username="alice")
    log_in(page, alice)
    assert page.locator("h1").inner_text() == "業務メニュー"
    assert "alice" in page.get_by_test_id("who").inner_text()
    shot(page, "home-counter-clerk")


def test_it_refuses_a_wrong_password_with_a_japanese_message(page, make_staff):
    make_staff("counter_clerk", username="alice")
    page.goto("/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "職員IDまたはパスワードが正しくありません" in page.locator("[role=alert]").inner_text()


def test_it_switches_to_english(page, make_staff):
    page.goto("/login/")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
