"""The whole journey in a real Chromium: kiosk → intake → review → production → pickup → loss.

One applicant, 佐藤 花子, changes her name on her passport after marriage (記載事項変更): her
husband is named in the 戸籍謄本 she brings, her sister is her emergency contact, and her
current passport is returned when she collects the new one. On the way: a break-glass use
(with step-up) and its supervisor's verdict, the day's QA sample, the production order file
(an export: step-up again), and a loss report of the new passport. Each member of staff works
in their own browser (their own login, their own session), as at the office.

On every screen that shows a person, what is on the page is compared with the step's field
policy using the plaintext this test entered (`policy_check.screen_violations`), and the
watermark must be there. At the end, every disclosure and match in the ledger must be covered
by a grant of the same staff member, naming the person, open at the time.
"""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import log_in, shot
from .policy_check import Plain, screen_violations, unexplained_disclosures

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"


def png(width: int, height: int, grey: int = 0x80) -> bytes:
    """A real, tiny PNG (each scan a different size, so each is told apart in a page)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


KOSEKI, PHOTO, SIGNATURE, LOSS_PHOTO = png(12, 16, 0xF0), png(30, 40), png(40, 10, 0x20), png(3, 4)
OLD_PASSPORT, OLD_ISSUED, OLD_EXPIRY = "TR5039127", "2019-05-10", "2029-05-10"
NEW_PASSPORT = "TZ7315942"

# What the test enters, by person: catalogue field → plaintext (or image bytes).
APPLICANT: dict[str, Plain] = {
    "name_kanji": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "name_romaji": "SATO HANAKO",
    "sex": "F",
    "birth_date": "1988-11-23",
    "honseki": "東京都豊島区南池袋二丁目45番",
    "postcode": "171-0021",
    "address": "東京都豊島区西池袋3-21-7",
    "phone": "03-3981-4410",
    "mobile": "080-4321-8765",
    "email": "hanako.sato@example.jp",
    "previous_passport": f"{OLD_PASSPORT} {OLD_ISSUED}",
    "criminal_answers": "no",
    # The paper form has no line for it; the test stores it (as an online application
    # would carry it) so that a screen which showed it would be caught.
    "other_nationality": "アメリカ合衆国",
    "koseki_image": KOSEKI,
    "face_photo": PHOTO,
    "signature_image": SIGNATURE,
}
HUSBAND: dict[str, Plain] = {
    "name_kanji": "佐藤 健一",
    "name_kana": "サトウ ケンイチ",
    "relation": "夫",
    "birth_date": "1986-04-09",
    "sex": "M",
}
SISTER: dict[str, Plain] = {
    "name_kanji": "高橋 美咲",
    "name_kana": "タカハシ ミサキ",
    "relation": "姉",
    "postcode": "223-0062",
    "address": "神奈川県横浜市港北区日吉本町4-5-6",
    "phone": "045-555-0199",
}
PEOPLE: dict[str, dict[str, Plain]] = {
    "applicant": APPLICANT,
    "husband": HUSBAND,
    "emergency_contact": SISTER,
}


# --- the desks: one browser context per person at the office ----------------------------------


@pytest.fixture
def desk(chromium, live_server, ledger_db):
    """open_desk() → a fresh page in its own browser context (its own cookies and session)."""
    from django.core.cache import cache

    cache.clear()  # the kiosk's per-minute limit: other tests in this process took tickets
    contexts = []

    def open_desk() -> Page:
        context = chromium.new_context(
            locale="ja-JP", base_url=live_server.url, accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_desk
    for context in contexts:
        context.close()


def submit(page: Page, button: Locator) -> None:
    """Click a button that posts a form, and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def check_screen(
    page: Page,
    step: str | None,
    *,
    staff=None,
    revealed: frozenset[tuple[str, str]] = frozenset(),
) -> str:
    """No field outside the step's policy; a watermark naming `staff` where people are shown."""
    html = page.content()
    problems = screen_violations(html, step, PEOPLE, revealed=revealed)
    assert not problems, f"{page.url} ({step}):\n" + "\n".join(map(str, problems))
    if staff is not None:
        mark = page.get_by_test_id("watermark")
        expect(mark).to_be_visible()
        expect(mark.locator("span").first).to_contain_text(staff.staff_id)
    return html


def shows_people(html: str) -> bool:
    """Whether a page shows anything of the people at all (so its check was not vacuous)."""
    return bool(screen_violations(html, None, PEOPLE))


def sign_in(page: Page, staff) -> None:
    log_in(page, staff)
    expect(page.locator("h1")).to_have_text("業務メニュー")
    check_screen(page, None)


def message(page: Page) -> Locator:
    return page.locator("ul.messages")


# --- the legs of the journey -----------------------------------------------------------------


def take_ticket(kiosk: Page, purpose: str, reception_number: str = "", name: str = "") -> str:
    """At the waiting-hall kiosk (no login): take a numbered ticket."""
    kiosk.goto("/counter/kiosk/")
    check_screen(kiosk, None)
    if name:
        shot(kiosk, name)
    if reception_number:
        kiosk.fill("#id_reception_number", reception_number)
    submit(kiosk, kiosk.get_by_test_id(f"kiosk-{purpose.replace('_report', '')}"))
    expect(kiosk).to_have_url(re.compile(r"/counter/kiosk/slip/$"))
    check_screen(kiosk, None)
    return kiosk.get_by_test_id("ticket-number").inner_text().strip()


def fill_paper_form(page: Page) -> None:
    """一般旅券発給申請書, as the clerk types it from the paper in front of her."""
    a = APPLICANT
    page.check("input[name=kind][value=record_change]")
    page.select_option("#id_requested_validity", "10")
    page.fill("#id_name_kanji", str(a["name_kanji"]))
    page.fill("#id_name_kana", str(a["name_kana"]))
    page.check("input[name=sex][value=F]")
    page.fill("#id_birth_date", str(a["birth_date"]))
    page.select_option("#id_honseki_prefecture", "東京都")
    page.fill("#id_honseki_rest", "豊島区南池袋二丁目45番")
    page.fill("#id_postcode", str(a["postcode"]))
    page.fill("#id_address", str(a["address"]))
    page.fill("#id_phone", str(a["phone"]))
    page.fill("#id_mobile", str(a["mobile"]))
    page.fill("#id_email", str(a["email"]))
    page.check("input[name=criminal_record][value=no]")
    page.fill("#id_current_passport_number", OLD_PASSPORT)
    page.fill("#id_current_passport_issued", OLD_ISSUED)
    page.fill("#id_current_passport_expiry", OLD_EXPIRY)
    page.check("input[name=record_changes][value=name]")
    h = HUSBAND
    page.get_by_test_id("family-member-0").locator("summary").click()  # the rows are folded
    page.fill("[name=fm-0-name_kanji]", str(h["name_kanji"]))
    page.fill("[name=fm-0-name_kana]", str(h["name_kana"]))
    page.fill("[name=fm-0-relation]", str(h["relation"]))
    page.fill("[name=fm-0-birth_date]", str(h["birth_date"]))
    page.select_option("[name=fm-0-sex]", str(h["sex"]))
    s = SISTER
    for name in ("name_kanji", "name_kana", "relation", "postcode", "address", "phone"):
        page.fill(f"[name=ec-{name}]", str(s[name]))


def store_other_nationality(grant_id: str, clerk) -> None:
    """The one value the paper form cannot carry, stored as an online application would."""
    from ryoken.web.access.models import Grant
    from ryoken.web.applications.models import Application
    from ryoken.web.vault import writes

    grant = Grant.objects.get(grant_id=grant_id)
    app = Application.objects.get(pk__in=grant.ticket.applications.all())
    writes.store(
        actor=clerk.staff_id,
        subject_id=app.applicant,
        values={"other_nationality": APPLICANT["other_nationality"]},
        purpose="intake:declaration",
        grant=grant_id,
    )


def counter_intake(page: Page, clerk, ticket: str) -> tuple[str, str]:
    """The counter clerk serves the ticket; returns (reception number, grant id)."""
    sign_in(page, clerk)
    page.goto("/counter/")
    check_screen(page, None)
    page.select_option("select[name=window]", "W01")
    submit(page, page.get_by_role("button", name="この窓口で受け付ける"))
    expect(page.get_by_test_id("window")).to_contain_text("W01")
    shot(page, "journey-03-counter-queue")
    submit(page, page.get_by_test_id("call-next"))
    expect(message(page)).to_contain_text(f"整理券 {ticket}")
    grant_id = re.search(r"/counter/work/([^/]+)/", page.url)[1]
    check_screen(page, "intake", staff=clerk)
    expect(page.get_by_test_id("workbar")).to_contain_text("W01")

    page.get_by_test_id("new-application").click()
    page.wait_for_url(re.compile(r"/new/$"))
    check_screen(page, "intake", staff=clerk)
    fill_paper_form(page)
    shot(page, "journey-04-intake-form")
    submit(page, page.get_by_test_id("submit-intake"))
    expect(page).to_have_url(re.compile(r"/romaji/$"))
    store_other_nationality(grant_id, clerk)

    # Romaji: the suggestion from the kana (and kanji), confirmed with the applicant.
    expect(page.get_by_test_id("suggestion")).to_have_text(str(APPLICANT["name_romaji"]))
    check_screen(page, "intake", staff=clerk)
    shot(page, "journey-05-romaji")
    page.check("#id_confirmed")
    submit(page, page.get_by_test_id("confirm-romaji"))
    expect(page).to_have_url(re.compile(r"/scans/$"))

    # Scans into the vault: 戸籍謄本, photo, signature.
    check_screen(page, "intake", staff=clerk)
    shot(page, "journey-06-scans")
    for name, content in (("koseki", KOSEKI), ("photo", PHOTO), ("signature", SIGNATURE)):
        page.set_input_files(
            f"input[name={name}]",
            files=[{"name": f"{name}.png", "mimeType": "image/png", "buffer": content}],
        )
    submit(page, page.get_by_test_id("submit-scans"))
    expect(page).to_have_url(re.compile(r"/app/\d+/$"))

    # Review of what was entered: the intake step's view of each person.
    people = page.get_by_test_id("person")
    expect(people).to_have_count(3)
    applicant = people.first
    expect(applicant.get_by_test_id("row-name_kanji")).to_have_text(str(APPLICANT["name_kanji"]))
    expect(applicant.get_by_test_id("row-phone")).to_contain_text("03-＊＊＊＊-4410")
    expect(applicant.get_by_test_id("row-previous_passport")).to_contain_text("照合のみ")
    expect(applicant.get_by_test_id("row-face_photo").locator("img")).to_be_visible()
    assert shows_people(check_screen(page, "intake", staff=clerk))
    shot(page, "journey-07-intake-review")

    # Reveal one masked field, with a reason: the full phone number on its own page.
    row = applicant.get_by_test_id("row-phone")
    row.locator("input[name=reason]").fill("申請者から連絡先の確認を求められたため")
    submit(page, row.get_by_test_id("reveal-phone"))
    expect(page.get_by_test_id("revealed")).to_have_text(str(APPLICANT["phone"]))
    check_screen(page, "intake", staff=clerk, revealed=frozenset({("applicant", "phone")}))
    shot(page, "journey-08-reveal")
    page.get_by_role("link", name="確認画面に戻る").click()
    page.wait_for_url(re.compile(r"/app/\d+/$"))
    expect(page.get_by_test_id("person").first.get_by_test_id("row-phone")).to_contain_text("＊")
    check_screen(page, "intake", staff=clerk)

    # Accept: every checklist item ticked → reception number.
    form = page.get_by_test_id("accept-form")
    for box in form.locator("input[type=checkbox]").all():
        box.check()
    submit(page, page.get_by_test_id("accept"))
    expect(page).to_have_url(re.compile(r"/receipt/$"))
    reception = page.get_by_test_id("reception-number").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]+-\d{8}-\d{6}", reception), reception
    check_screen(page, "intake", staff=clerk)
    shot(page, "journey-09-receipt")

    # The receipt is printed as a recorded job with a watermark id.
    submit(page, page.get_by_test_id("print-receipt").get_by_role("button"))
    expect(page.locator("h1")).to_have_text("印刷の確認")  # asked first, nothing printed yet
    with page.expect_download() as download:
        page.get_by_test_id("confirm-yes").click()
    receipt_pdf = download.value
    assert receipt_pdf.suggested_filename.endswith(".pdf")
    assert_receipt_job(reception, grant_id, receipt_pdf.suggested_filename)

    # Back to the receipt; the applicant leaves: the ticket closes (once confirmed), and
    # the clerk's access with it.
    submit(page, page.get_by_test_id("confirm-no"))
    submit(page, page.get_by_test_id("close-done"))
    expect(page.locator("h1")).to_have_text("対応終了の確認")
    submit(page, page.get_by_test_id("confirm-yes"))
    expect(message(page)).to_contain_text(f"整理券 {ticket} の対応を終了しました")
    check_screen(page, None)
    response = page.goto(f"/counter/work/{grant_id}/")
    assert response is not None and response.status == 404
    # The print stays on record; printing it again needs open work.
    page.goto("/pickup/prints/")
    jobs = page.get_by_test_id("jobs")
    expect(jobs).to_contain_text(reception)
    expect(jobs).to_contain_text("業務終了のため不可")
    check_screen(page, None, staff=clerk)
    return reception, grant_id


def assert_receipt_job(reception: str, grant_id: str, filename: str) -> None:
    from ryoken.web.counter.models import PrintJob

    job = PrintJob.objects.get(application__reception_number=reception, document="receipt")
    assert job.grant is not None and job.grant.grant_id == grant_id
    assert job.watermark in filename
    assert job.ledger_seq is not None


def assign_review(page: Page, supervisor, reviewer, reception: str) -> None:
    sign_in(page, supervisor)
    page.goto("/casework/review/assign/")
    check_screen(page, None)
    row = page.get_by_test_id(f"unassigned-{reception}")
    row.locator("select[name=reviewer]").select_option(reviewer.staff_id)
    submit(page, row.get_by_role("button", name="割り当てる"))
    expect(message(page)).to_contain_text(
        f"{reception} を {reviewer.display_name} に割り当てました"
    )
    expect(page.get_by_test_id("assigned")).to_contain_text(reception)
    check_screen(page, None)
    shot(page, "journey-10-assign")


def review_and_approve(page: Page, reviewer, reception: str) -> None:
    sign_in(page, reviewer)
    page.goto("/casework/review/")
    check_screen(page, None)
    page.get_by_test_id("queue").get_by_role("link", name="審査する").click()
    page.wait_for_url(re.compile(r"/casework/review/\d+/$"))
    expect(page.get_by_test_id("reception-number")).to_have_text(reception)
    people = page.get_by_test_id("person")
    expect(people).to_have_count(3)
    # The examiner checks nationality and the 戸籍謄本, but not where the sister lives.
    expect(people.first.get_by_test_id("row-other_nationality")).to_have_text(
        str(APPLICANT["other_nationality"])
    )
    expect(people.first.get_by_test_id("row-koseki_image").locator("img")).to_be_visible()
    expect(people.last.get_by_test_id("row-address")).to_have_text("神奈川県横浜市港北区＊＊＊")
    assert shows_people(check_screen(page, "review", staff=reviewer))
    shot(page, "journey-11-review-case")
    submit(page, page.get_by_test_id("approve"))
    expect(page.get_by_test_id("confirm-lines")).to_contain_text(reception)
    submit(page, page.get_by_test_id("confirm-yes"))
    expect(message(page)).to_contain_text(f"{reception}: 発給決定")
    check_screen(page, None)


def break_glass(page: Page, clerk, reception: str) -> None:
    """After the ticket closed, the clerk must phone the applicant (she left the original of
    her 戸籍謄本 at the window): no work covers her any more, so break-glass, with step-up,
    for the purpose "urgent contact" (this office lets its counter clerks use it), which
    opens the applicant's name and contact data only."""
    page.goto("/")
    page.get_by_role("link", name="緊急アクセス").click()
    age_step_up(page)
    page.reload()
    reauthenticate(page, clerk)
    submit(page, page.get_by_role("button", name="確認"))
    expect(page).to_have_url(re.compile(r"/casework/breakglass/$"))
    check_screen(page, None)
    page.select_option("#purpose", "urgent_contact")
    page.fill("#reason", "申請者が戸籍謄本の原本を窓口に置き忘れたため、電話で連絡する必要がある")
    page.fill("#reception_number", reception)
    submit(page, page.get_by_test_id("open"))
    expect(page).to_have_url(re.compile(r"/casework/breakglass/gr_[^/]+/$"))
    expect(page.get_by_test_id("person")).to_have_count(1)  # the applicant, not her family
    applicant = page.get_by_test_id("person").first
    expect(applicant.get_by_test_id("row-phone")).to_have_text(str(APPLICANT["phone"]))
    for hidden in ("honseki", "birth_date", "address"):  # not what a phone call needs
        expect(applicant.get_by_test_id(f"row-{hidden}")).to_have_count(0)
    assert shows_people(check_screen(page, "break_glass", staff=clerk))
    shot(page, "journey-09b-break-glass")
    submit(page, page.get_by_test_id("close"))
    expect(message(page)).to_contain_text("緊急アクセスを終了しました")


def quality_check(page: Page, supervisor, reception: str) -> None:
    """Today's QA sample: the one accepted application, seen masked and without images."""
    page.goto("/casework/qa/")
    check_screen(page, None)
    submit(page, page.get_by_test_id("draw"))
    expect(message(page)).to_contain_text("受理1件から1件")
    queue = page.get_by_test_id("qa-queue")
    expect(queue).to_contain_text(reception)
    queue.get_by_role("link", name="確認する").click()
    page.wait_for_url(re.compile(r"/casework/qa/\d+/$"))
    applicant = page.get_by_test_id("person").first
    expect(applicant.get_by_test_id("row-name_kanji")).to_have_text("佐藤 ＊＊")
    expect(applicant.locator("img")).to_have_count(0)
    assert shows_people(check_screen(page, "qa_review", staff=supervisor))
    page.fill("#note", "受付記録と受理内容に不整合なし")
    submit(page, page.get_by_test_id("checked"))
    expect(message(page)).to_contain_text(f"{reception}: 確認済としました")


def review_break_glass(page: Page, clerk) -> None:
    """A supervisor reads why and what was done (from the ledger), and records a verdict."""
    page.goto("/casework/breakglass/reviews/")
    check_screen(page, None)
    row = page.get_by_test_id("breakglass-queue").locator("tr", has_text=clerk.staff_id)
    row.get_by_role("link", name="確認する").click()
    page.wait_for_url(re.compile(r"/casework/breakglass/reviews/gr_[^/]+/$"))
    expect(page.get_by_test_id("reason")).to_contain_text("戸籍謄本の原本を窓口に置き忘れた")
    expect(page.get_by_test_id("uses")).to_contain_text("disclosure")
    check_screen(page, None)
    page.check("input[name=verdict][value=justified]")
    page.fill("#note", "連絡の必要性を確認した")
    submit(page, page.get_by_test_id("record"))
    expect(message(page)).to_contain_text("確認結果を記録しました")
    expect(page.get_by_test_id("breakglass-queue")).not_to_contain_text(clerk.staff_id)


def age_step_up(page: Page) -> None:
    """Five minutes pass: the session's last password+code entry is no longer fresh."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    name = settings.SESSION_COOKIE_NAME
    cookie = next(c for c in page.context.cookies() if c["name"] == name)
    session = SessionStore(session_key=cookie["value"])
    session["ryoken_step_up_at"] = time.time() - 3600
    session.save()


def reauthenticate(page: Page, staff, name: str = "") -> None:
    """The step-up page: password and the authenticator's next code (the login used this
    one's; a code is accepted once). The caller presses 確認."""
    from ryoken.web.accounts.services import current_code

    expect(page).to_have_url(re.compile(r"/reauth/"))
    expect(page.locator("h1")).to_have_text("再認証")
    check_screen(page, None)
    if name:
        shot(page, name)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_token", current_code(staff.device, at=time.time() + 30))


def order_production(page: Page, supervisor, reception: str) -> tuple[str, dict]:
    """The supervisor orders the batch and downloads its order file (an export: step-up)."""
    page.goto("/casework/production/")
    check_screen(page, None)
    submit(page, page.get_by_test_id("order"))
    expect(page).to_have_url(re.compile(r"/casework/production/PB-[^/]+/$"))
    batch_id = re.search(r"/production/([^/]+)/$", page.url)[1]
    expect(page.get_by_test_id("items")).to_contain_text(reception)
    check_screen(page, None)
    shot(page, "journey-12-production-batch")

    age_step_up(page)
    submit(page, page.get_by_test_id("download"))
    reauthenticate(page, supervisor, "journey-13-reauth")
    with page.expect_download() as download:
        page.get_by_role("button", name="確認").click()
    order_text = download.value.path().read_text(encoding="utf-8")
    # The order file is what the printing bureau sees: the production step's policy.
    problems = screen_violations(order_text, "production", PEOPLE)
    assert not problems, "order file:\n" + "\n".join(map(str, problems))
    order = json.loads(order_text)
    assert [i["reception_number"] for i in order["items"]] == [reception]
    return batch_id, order


def produced_results(batch_id: str, order: dict, today: date) -> bytes:
    """What the bureau sends back: the passport number and a valid TD3 MRZ."""
    from ryoken.domain.mrz import encode_td3
    from ryoken.domain.validity import expiry_date

    item = order["items"][0]
    lines = encode_td3(
        country="JPN",
        surname=item["surname"],
        given_names=item["given_names"],
        number=NEW_PASSPORT,
        nationality="JPN",
        birth=date.fromisoformat(item["birth_date"]),
        sex=item["sex"],
        expiry=expiry_date(today, item["validity"]["years"]),
    )
    row = {
        "reception_number": item["reception_number"],
        "passport_number": NEW_PASSPORT,
        "mrz": list(lines),
        "issue_date": today.isoformat(),
    }
    document = {"format": "ryoken.production-results/1", "batch": batch_id, "results": [row]}
    return json.dumps(document).encode()


def import_results(page: Page, batch_id: str, results: bytes) -> None:
    page.goto(f"/casework/production/{batch_id}/")
    page.set_input_files(
        "input[name=results]",
        files=[{"name": "results.json", "mimeType": "application/json", "buffer": results}],
    )
    submit(page, page.get_by_test_id("results-form").get_by_role("button", name="取り込む"))
    expect(message(page)).to_contain_text("1件を交付待ちにしました")
    expect(page.get_by_test_id("items")).to_contain_text("交付待ち")
    check_screen(page, None)


def call_to(page: Page, window: str) -> None:
    page.goto("/pickup/")
    check_screen(page, None)
    page.select_option("select[name=window]", window)
    submit(page, page.get_by_test_id("call-next"))


def match(page: Page, birth_date: str) -> None:
    page.fill("#id_birth_date", birth_date)
    page.fill("#id_passport_number", NEW_PASSPORT)
    page.fill("#id_old_passport_number", OLD_PASSPORT)
    page.fill("#id_old_passport_issued", OLD_ISSUED)
    submit(page, page.get_by_test_id("match"))


def pickup(page: Page, issuer, ticket: str, reception: str) -> None:
    """The issuance clerk checks identity by match / no match, takes the fee, hands over."""
    sign_in(page, issuer)
    call_to(page, "P01")
    expect(message(page)).to_contain_text(f"整理券 {ticket} を P01 に呼び出しました")
    expect(page).to_have_url(re.compile(r"/pickup/serve/[^/]+/\d+/$"))
    person = page.get_by_test_id("person")
    expect(person).to_contain_text(str(APPLICANT["name_kanji"]))
    expect(person).to_contain_text("照合のみ")
    photo = page.get_by_test_id("photo")
    expect(photo).to_be_visible()
    photo.evaluate("img => img.decode()")  # streamed from the vault under the grant
    assert photo.evaluate("img => img.naturalWidth") == 30
    expect(page.get_by_test_id("state")).to_have_text("交付待ち")
    assert shows_people(check_screen(page, "pickup", staff=issuer))

    # The date of birth the clerk reads from the ID first is wrong by one day: 不一致.
    born = date.fromisoformat(str(APPLICANT["birth_date"]))
    match(page, (born + timedelta(days=1)).isoformat())
    expect(message(page)).to_contain_text("生年月日：不一致")
    checks = page.get_by_test_id("checks")
    expect(checks.locator("tr").first).to_contain_text("不一致")
    check_screen(page, "pickup", staff=issuer)
    shot(page, "journey-15-pickup-no-match")
    page.check("#id_fee_paid")
    submit(page, page.get_by_test_id("issue"))  # not until identity is confirmed
    expect(message(page)).to_contain_text("本人確認ができていません")
    expect(page.get_by_test_id("state")).to_have_text("交付待ち")

    match(page, str(APPLICANT["birth_date"]))
    expect(message(page)).to_contain_text("生年月日：一致")
    for row in checks.locator("tr").all():
        expect(row).to_contain_text("一致")
        expect(row).not_to_contain_text("不一致")
    expect(page.get_by_test_id("fee")).to_contain_text("円")
    check_screen(page, "pickup", staff=issuer)

    page.check("#id_fee_paid")
    page.check("#id_old_passport_returned")
    submit(page, page.get_by_test_id("issue"))
    expect(message(page)).to_contain_text(f"受理番号 {reception} の旅券を交付しました")
    expect(page.get_by_test_id("state")).to_have_text("交付済")
    check_screen(page, "pickup", staff=issuer)
    shot(page, "journey-16-pickup-issued")
    submit(page, page.get_by_test_id("close"))
    expect(message(page)).to_contain_text(f"整理券 {ticket} の対応を終了しました")
    check_screen(page, None)


def report_loss(page: Page, issuer, ticket: str) -> None:
    """The same clerk, at the loss window: the new passport was lost on the way home."""
    call_to(page, "L01")
    expect(message(page)).to_contain_text(f"整理券 {ticket} を L01 に呼び出しました")
    expect(page).to_have_url(re.compile(r"/pickup/loss/[^/]+/$"))
    check_screen(page, "loss_report", staff=issuer)
    page.fill("#id_name_kana", str(APPLICANT["name_kana"]))
    page.fill("#id_birth_date", str(APPLICANT["birth_date"]))
    submit(page, page.get_by_test_id("loss-search"))
    expect(page.get_by_test_id("count")).to_have_text("1")
    check_screen(page, "loss_report", staff=issuer)
    submit(page, page.get_by_test_id("choose-0"))
    person = page.get_by_test_id("person")
    expect(person).to_contain_text(str(APPLICANT["name_kanji"]))
    expect(person).to_contain_text("照合のみ")
    assert shows_people(check_screen(page, "loss_report", staff=issuer))
    shot(page, "journey-17-loss-report")
    page.fill("#id_police_report_number", "池袋警察署 第2025-0456号")
    page.set_input_files(
        "#id_photo",
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": LOSS_PHOTO}],
    )
    page.fill("#id_lost_passport_number", NEW_PASSPORT)
    submit(page, page.get_by_test_id("file-report"))
    expect(message(page)).to_contain_text("旅券は失効しました。（旅券番号：記録と一致）")
    expect(page.get_by_test_id("report-done")).to_be_visible()
    check_screen(page, "loss_report", staff=issuer)
    shot(page, "journey-18-loss-done")
    submit(page, page.get_by_test_id("close"))
    check_screen(page, None)


# --- the test --------------------------------------------------------------------------------


def test_it_takes_an_application_from_the_kiosk_to_issuance_within_each_steps_policy(
    desk, make_staff, monkeypatch
):
    from django.utils import timezone

    from ryoken.web.access.models import Grant
    from ryoken.web.accounts.services import ensure_windows
    from ryoken.web.applications.models import Application
    from ryoken.web.counter.models import Ticket

    ensure_windows()
    monkeypatch.setenv("RYOKEN_BREAKGLASS_PURPOSES", "counter_clerk=status_inquiry,urgent_contact")
    clerk = make_staff("counter_clerk", username="clerk1")
    supervisor = make_staff("supervisor", username="super1")
    reviewer = make_staff("reviewer", username="review1")
    issuer = make_staff("issuance_clerk", username="issue1")
    kiosk = desk()

    # 1. Kiosk → counter: intake, romaji, scans, reveal, accept, receipt, close.
    ticket = take_ticket(kiosk, "application", name="journey-01-kiosk")
    shot(kiosk, "journey-02-kiosk-slip")
    counter = desk()
    reception, intake_grant = counter_intake(counter, clerk, ticket)
    app = Application.objects.get(reception_number=reception)
    assert app.state == "in_review"
    assert Grant.objects.get(grant_id=intake_grant).closed_at is not None
    assert Ticket.objects.get(number=ticket, purpose="application").status == "closed"

    # 2. Break-glass after the ticket closed (step-up, typed reason, a supervisor's verdict);
    #    back office: assign, QA sample, review, production order (step-up), results.
    break_glass(counter, clerk, reception)
    office = desk()
    assign_review(office, supervisor, reviewer, reception)
    quality_check(office, supervisor, reception)
    review_break_glass(office, clerk)
    review_and_approve(desk(), reviewer, reception)
    batch_id, order = order_production(office, supervisor, reception)
    import_results(office, batch_id, produced_results(batch_id, order, timezone.localdate()))
    app.refresh_from_db()
    assert app.state == "ready"

    # 3. Pickup: a ticket with the reception number, match / no match, fee, old passport.
    issue_desk = desk()
    pickup_ticket = take_ticket(kiosk, "pickup", reception_number=reception)
    shot(kiosk, "journey-14-kiosk-pickup-slip")
    pickup(issue_desk, issuer, pickup_ticket, reception)
    app.refresh_from_db()
    assert app.state == "issued" and app.fee_paid and app.old_passport_returned

    # 4. Loss report of the new passport, at the loss window.
    loss_ticket = take_ticket(kiosk, "loss_report")
    report_loss(issue_desk, issuer, loss_ticket)
    assert Application.objects.filter(
        kind="loss_report", applicant=app.applicant, lapsed_on=timezone.localdate()
    ).exists()

    # 5. Every disclosure and match is explained by a grant; nothing asked was refused.
    ledger = unexplained_disclosures()
    assert not ledger.problems, "\n".join(ledger.problems)
    assert ledger.refused == 0
    assert ledger.checked["disclosure"] >= 10 and ledger.checked["match"] >= 6, ledger.checked
    assert not Grant.objects.filter(closed_at__isnull=True).exists()  # nobody keeps access
