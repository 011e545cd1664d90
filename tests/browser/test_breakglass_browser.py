"""Break-glass by a contractor's clerk, in the browser: a purpose, nothing shown until a
supervisor co-signs from their queue, then only the purpose's fields of the applicant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in
from .test_print_browser import PERSON, _application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_desks(chromium, live_server, ledger_db):
    contexts = [chromium.new_context(locale="ja-JP", base_url=live_server.url) for _ in "ab"]
    pages = [c.new_page() for c in contexts]
    for page in pages:
        page.set_default_timeout(15_000)
    yield pages
    for context in contexts:
        context.close()


def test_a_contractors_break_glass_waits_for_a_supervisor(two_desks, make_staff, keys_dir):
    from ryoken.web.applications.models import Application

    clerk_page, super_page = two_desks
    reviewer = make_staff("reviewer", username="reviewer8")
    _application(reviewer)  # the application (and a reviewer's own break-glass, closed below)
    from ryoken.web.access.models import Grant

    Grant.objects.update(closed_at=Grant.objects.get().opened_at)
    number = Application.objects.get().reception_number
    clerk = make_staff(
        "counter_clerk", username="vendor9", employer="窓口委託", employer_kind="contractor"
    )
    supervisor = make_staff("supervisor", username="super9")

    log_in(clerk_page, clerk)
    clerk_page.goto("/casework/breakglass/")
    expect(clerk_page.get_by_test_id("cosign-note")).to_be_visible()
    clerk_page.select_option("#purpose", "status_inquiry")
    clerk_page.fill("#reason", "申請者から受取日の問い合わせの電話があり、申請の有無を確認するため")
    clerk_page.fill("#reception_number", number)
    with clerk_page.expect_navigation():
        clerk_page.get_by_test_id("open").click()
    expect(clerk_page).to_have_url(re.compile(r"/casework/breakglass/gr_[^/]+/$"))
    expect(clerk_page.get_by_test_id("waiting-cosign")).to_be_visible()
    expect(clerk_page.locator("main")).not_to_contain_text(PERSON["name_kanji"])

    log_in(super_page, supervisor)
    super_page.goto("/casework/breakglass/reviews/")
    row = super_page.get_by_test_id("cosign-queue").locator("tr", has_text=clerk.staff_id)
    with super_page.expect_navigation():
        row.get_by_test_id("cosign").click()
    expect(super_page.locator("ul.messages")).to_contain_text("緊急アクセスを承認しました")

    clerk_page.reload()
    expect(clerk_page.get_by_test_id("row-name_kanji")).to_have_text(PERSON["name_kanji"])
    expect(clerk_page.get_by_test_id("row-phone")).to_have_count(0)  # not for this purpose
    expect(clerk_page.get_by_test_id("person")).to_have_count(1)


def test_a_supervisor_cosigns_at_the_clerks_screen(two_desks, make_staff, keys_dir):
    from ryoken.web.access.models import Grant
    from ryoken.web.accounts.services import current_code
    from ryoken.web.applications.models import Application

    clerk_page, _ = two_desks
    reviewer = make_staff("reviewer", username="reviewer7")
    _application(reviewer)
    Grant.objects.update(closed_at=Grant.objects.get().opened_at)
    number = Application.objects.get().reception_number
    clerk = make_staff(
        "counter_clerk", username="vendor7", employer="窓口委託", employer_kind="contractor"
    )
    supervisor = make_staff("supervisor", username="super7")

    log_in(clerk_page, clerk)
    clerk_page.goto("/casework/breakglass/")
    clerk_page.select_option("#purpose", "status_inquiry")
    clerk_page.fill("#reason", "申請者から受取日の問い合わせの電話があり、申請の有無を確認するため")
    clerk_page.fill("#reception_number", number)
    with clerk_page.expect_navigation():
        clerk_page.get_by_test_id("open").click()
    expect(clerk_page.get_by_test_id("waiting-cosign")).to_be_visible()
    expect(clerk_page.locator("main")).not_to_contain_text(PERSON["name_kanji"])

    # The clerk's own credentials do not co-sign.
    clerk_page.fill("#cosigner", clerk.staff_id)
    clerk_page.fill("#cosign-password", "correct-horse-battery-staple")
    clerk_page.fill("#cosign-token", current_code(clerk.device))
    with clerk_page.expect_navigation():
        clerk_page.get_by_test_id("countersign").click()
    expect(clerk_page.get_by_test_id("error")).to_contain_text("監督者")
    expect(clerk_page.locator("main")).not_to_contain_text(PERSON["name_kanji"])

    clerk_page.fill("#cosigner", supervisor.staff_id)
    clerk_page.fill("#cosign-password", "correct-horse-battery-staple")
    clerk_page.fill("#cosign-token", current_code(supervisor.device))
    with clerk_page.expect_navigation():
        clerk_page.get_by_test_id("countersign").click()
    expect(clerk_page.get_by_test_id("row-name_kanji")).to_have_text(PERSON["name_kanji"])
    expect(clerk_page.get_by_test_id("countersign-form")).to_have_count(0)
