"""Intake with the keyboard only, in Japanese, in a real Chromium (issue 17).

The clerk never touches the mouse: the queue page starts on the window choice, the call
button has focus once a window is chosen, the paper form starts on its first field, Tab
walks the fields in order (skipping the 現在の旅券 section on a 新規 application, which CSS
hides), family rows fold, a date is typed in the Japanese era, and after an error the focus
is on the field to correct.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def active(page: Page) -> str:
    """The focused element: its name, else its test id, else its tag."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.name || e.dataset.testid || e.tagName.toLowerCase(); }"
    )


def focused(page: Page, name: str, *, timeout: float = 5_000) -> str:
    """Wait until `name` has focus and return it; else fail naming what has focus.

    Chromium applies `autofocus` when it next updates the rendering, which may come after the
    load event `goto` waits for, so the focus is polled rather than read once.
    """
    with contextlib.suppress(PlaywrightTimeout):  # the caller's assertion names what has focus
        page.wait_for_function(
            "(name) => { const e = document.activeElement;"
            " return (e.name || e.dataset.testid || e.tagName.toLowerCase()) === name; }",
            arg=name,
            timeout=timeout,
        )
    return active(page)


def tab_to(page: Page, name: str, *, within: int = 40) -> list[str]:
    """Press Tab until `name` has focus; the names passed on the way."""
    passed = []
    for _ in range(within):
        page.keyboard.press("Tab")
        now = active(page)
        if now == name:
            return passed
        passed.append(now)
    raise AssertionError(f"{name} never got focus; Tab passed {passed}")


def type_into(page: Page, name: str, text: str) -> None:
    tab_to(page, name)
    page.keyboard.type(text)


def test_a_clerk_takes_an_application_with_the_keyboard_alone(page: Page, personas):
    from ryoken.web.access.models import Grant
    from ryoken.web.applications.models import Application
    from ryoken.web.counter.queue import service as queue
    from ryoken.web.vault import gateway

    clerk = personas["counter_clerk"]
    queue.issue_ticket("application")
    log_in(page, clerk)

    page.goto("/counter/")
    assert focused(page, "window") == "window"  # nothing chosen yet: the window choice has focus
    page.keyboard.press("ArrowDown")  # 受付1番窓口
    tab_to(page, "button")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("window")).to_contain_text("W01")
    assert focused(page, "call-next") == "call-next"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/counter/work/[^/]+/$"))

    # From the top of the work screen, the first Tab stop is the skip link, not the logo.
    page.keyboard.press("Tab")
    assert active(page) == "skip-link"
    tab_to(page, "new-application")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/new/$"))

    # The form starts on its first field; 新規 hides the current passport (CSS, no script).
    assert focused(page, "kind") == "kind"
    expect(page.get_by_test_id("current-passport")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.locator("#id_kind_0")).to_be_checked()
    expect(page.get_by_test_id("current-passport")).to_be_hidden()
    expect(page.get_by_test_id("family-member-0")).not_to_have_attribute("open", "")

    tab_to(page, "requested_validity")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # 10年
    type_into(page, "name_kanji", "山田 太郎")
    type_into(page, "name_kana", "やまだ たろう")
    tab_to(page, "sex")
    page.keyboard.press("Space")  # 男
    type_into(page, "birth_date", "昭和60年4月1日")
    tab_to(page, "honseki_prefecture")
    for _ in range(13):  # 北海道 … 東京都, the 13th
        page.keyboard.press("ArrowDown")
    expect(page.locator("#id_honseki_prefecture")).to_have_value("東京都")
    type_into(page, "honseki_rest", "豊島区東池袋一丁目1番")
    type_into(page, "postcode", "1700013")
    type_into(page, "address", "東京都豊島区東池袋1-2-3")
    # The phone is left out on purpose: the error must bring the clerk back to it.
    tab_to(page, "criminal_record")
    page.keyboard.press("Space")  # いいえ
    passed = tab_to(page, "submit-intake", within=80)
    assert not any(p.startswith("current_passport") for p in passed)  # hidden, so skipped
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert focused(page, "phone") == "phone"
    expect(page.locator("#id_phone")).to_be_in_viewport()
    expect(page.get_by_test_id("problem-link")).to_have_count(1)
    expect(page.get_by_test_id("problem-link")).to_have_text(re.compile("電話番号"))
    page.keyboard.type("03-1234-5678")
    tab_to(page, "submit-intake", within=80)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/romaji/$"))

    app = Application.objects.get()
    grant = Grant.objects.get(ticket__applications=app)
    stored = gateway.disclose(
        actor=clerk.staff_id,
        subject_id=app.applicant,
        fields=["birth_date", "name_kana"],
        purpose="test",
        grant=grant.grant_id,
    )
    assert stored == {"birth_date": "1985-04-01", "name_kana": "ヤマダ タロウ"}
