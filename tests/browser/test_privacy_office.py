"""The privacy office in a real Chromium: the case queue and triage, a staff member's
timeline and exposure per applicant served against peers, the canary registry; and a
counter clerk who tries the office's screens is refused.

The office is the demo office with a morning's work done through the real services
(`office_at_work.py`): counter1 skims at W01 and looks up a canary off its path, counter2
makes two break-glass lookups a supervisor judged unjustified. The privacy officer
(privacy1) logs in through the two-step form and runs detection from the queue's button.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import log_in, shot
from .office_at_work import SKIM_REVEALS, Office, canary_number, seed

# The office's morning at the counter happens in office hours: after hours, the after-hours
# signal would rightly join both cases' evidence and change what the officer sees.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.office_hours]

DEMO_PASSWORD = "ryoken-demo-2026"
DISMISS_REASON = "監督者に確認したところ、電話の問い合わせ記録が別の台帳にあったため問題なし"
CONFIRM_NOTE = "配置経路外のカナリアを緊急アクセスで閲覧。業務上の必要が確認できない"


@pytest.fixture
def office(ledger_db) -> Office:
    return seed()


@pytest.fixture
def officer_page(page: Page, office: Office) -> Page:
    log_in(page, office["privacy1"], DEMO_PASSWORD)
    return page


def submit(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def message(page: Page):
    return page.locator("ul.messages").first


def run_detection(page: Page) -> None:
    """From the queue: 今すぐ全体検知を実行."""
    page.goto("/watch/")
    submit(page, page.get_by_test_id("run-now"))
    # counter1's and counter2's break-glass opened their cases at once: the run updates them
    expect(message(page)).to_contain_text("新しい事案 0件")


def queue_rows(page: Page) -> list[tuple[int, str, float, str]]:
    """(rank, staff id, score, status) of each row of the case queue, top to bottom."""
    rows = []
    for row in page.get_by_test_id("case-queue").locator("tr[data-testid^=case-]").all():
        cells = row.locator("td").all_inner_texts()
        rows.append((int(cells[0]), cells[1].strip(), float(cells[2]), cells[4].strip()))
    return rows


def open_case(page: Page, staff_id: str) -> int:
    row = page.get_by_test_id("case-queue").locator("tr", has_text=staff_id)
    row.get_by_role("link", name="開く").click()
    page.wait_for_url(re.compile(r"/watch/case/\d+/$"))
    return int(re.search(r"/case/(\d+)/$", page.url)[1])


def move(page: Page, to: str, reason: str = "") -> None:
    form = page.get_by_test_id("triage")
    form.locator(f"input[name=to][value={to}]").check()
    form.locator("#reason").fill(reason)
    submit(page, form.get_by_test_id("transition"))


def case_transitions() -> list[dict]:
    """The ledger's case.transition events, in order (details only)."""
    from ryoken.audit.events import decode_entry
    from ryoken.web.ledger.models import Entry

    out = []
    for data in (
        Entry.objects.filter(code="case.transition").order_by("seq").values_list("data", flat=True)
    ):
        _, event = decode_entry(bytes(data))
        out.append({"actor": event.actor, **dict(event.details)})
    return out


def test_the_privacy_officer_triages_the_ranked_cases(officer_page: Page, office: Office):
    page = officer_page
    run_detection(page)
    rows = queue_rows(page)
    assert [r[1] for r in rows] == ["counter1", "counter2"]
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][2] > rows[1][2]  # ranked by score
    assert {r[3] for r in rows} == {"未着手"}
    queue = page.get_by_test_id("case-queue")
    expect(queue).to_contain_text("カナリア（おとり）人物への想定経路外のアクセス")
    expect(queue).to_contain_text("上長が正当と認めなかった緊急アクセス: 3名")
    shot(page, "privacy-01-queue")

    # counter2's case: the supervisor's "not justified" verdicts, read and dismissed.
    dismissed = open_case(page, "counter2")
    expect(page.locator("h1")).to_have_text(f"事案 {dismissed}：職員 counter2")
    reasons = page.get_by_test_id("detector-break_glass_unjustified")
    expect(reasons).to_contain_text("上長が正当と認めなかった緊急アクセス: 3名")
    evidence = page.get_by_test_id("evidence").locator("tr[data-testid^=seq-]")
    # each use: the lookup by reception number (now ledgered too), then the disclosure
    expect(evidence.first).to_contain_text("search")
    expect(page.get_by_test_id("evidence")).to_contain_text("disclosure")
    for row in evidence.all():
        expect(row).to_contain_text("break_glass")
    expect(page.get_by_test_id("status")).to_have_text("未着手")
    shot(page, "privacy-02-case")
    move(page, "investigating", "記録を確認する")
    expect(message(page)).to_contain_text("事案の状態を変更しました。")
    expect(page.get_by_test_id("status")).to_have_text("調査中")
    # A dismissal needs a reason of ten characters or more: refused, nothing changes.
    move(page, "dismissed", "問題なし")
    expect(page.get_by_test_id("error")).to_have_text(
        "問題なしとする理由を10文字以上で入力してください（現在4文字）。"
    )
    expect(page.get_by_test_id("status")).to_have_text("調査中")
    expect(page.locator("#reason")).to_have_value("問題なし")
    shot(page, "privacy-03-dismiss-refused")
    move(page, "dismissed", DISMISS_REASON)
    expect(page.get_by_test_id("status")).to_contain_text("問題なしで終了")
    expect(page.get_by_test_id("case-summary")).to_contain_text(DISMISS_REASON)
    notes = page.get_by_test_id("notes")
    expect(notes).to_contain_text("未着手 → 調査中")
    expect(notes).to_contain_text("調査中 → 問題なしで終了")
    expect(page.get_by_test_id("triage")).to_have_count(0)  # nothing further by hand
    shot(page, "privacy-04-dismissed")

    # counter1's canary case: confirmed, which makes it an incident.
    page.goto("/watch/")
    assert [r[1] for r in queue_rows(page)] == ["counter1"]  # the dismissed case left
    confirmed = open_case(page, "counter1")
    expect(page.get_by_test_id("detector-canary")).to_contain_text(
        "カナリア（おとり）人物への想定経路外のアクセス"
    )
    move(page, "investigating")
    move(page, "confirmed", CONFIRM_NOTE)
    status = page.get_by_test_id("status")
    expect(status).to_contain_text("事故と確定")
    ref = re.search(r"事故番号 (INC-\d{8}-\d{5})", status.inner_text())
    assert ref is not None, status.inner_text()
    expect(page.get_by_test_id("incident-link")).to_be_visible()
    shot(page, "privacy-05-confirmed")
    page.goto("/watch/?show=all")
    assert [(r[1], r[3]) for r in queue_rows(page)] == [
        ("counter1", "事故と確定"),
        ("counter2", "問題なしで終了"),
    ]

    # The ledger holds every step: who, from, to, and the reason's digest (not its text).
    steps = case_transitions()
    assert [(s["case"], s["from"], s["to"]) for s in steps] == [
        (dismissed, "open", "investigating"),
        (dismissed, "investigating", "dismissed"),
        (confirmed, "open", "investigating"),
        (confirmed, "investigating", "confirmed"),
    ]
    assert {s["actor"] for s in steps} == {"privacy1"}
    assert steps[1]["reason_sha256"] == hashlib.sha256(DISMISS_REASON.encode()).hexdigest()
    assert steps[3]["reason_sha256"] == hashlib.sha256(CONFIRM_NOTE.encode()).hexdigest()
    assert steps[3]["incident"] == ref[1]


def test_the_privacy_officer_reads_a_timeline_and_exposure_against_peers(
    officer_page: Page, office: Office
):
    from django.utils import timezone

    page = officer_page
    run_detection(page)
    case_id = open_case(page, "counter1")

    # The timeline: today's entries, the day chart, the case.
    page.get_by_test_id("case-summary").get_by_role("link", name="counter1").click()
    page.wait_for_url("**/watch/staff/counter1/")
    expect(page.locator("h1")).to_have_text("職員 counter1 の記録")
    today = f"{timezone.localdate():%Y-%m-%d}"
    timeline = page.get_by_test_id("timeline")
    # In words, grouped by task: the ticket at W01 and what was shown, never the codes.
    for words in ("（窓口 W01）", "整理券の呼出し", "画面表示 – 申請受付", "緊急閲覧の開始"):
        expect(timeline).to_contain_text(words)
    for code in ("ticket.call", "disclosure", "breakglass.open", "name_kanji"):
        expect(timeline).not_to_contain_text(code)
    day_bar = page.get_by_test_id("day-chart").locator("svg rect title", has_text=today)
    assert int(day_bar.text_content().rsplit(": ", 1)[1]) > 0
    expect(page.get_by_role("link", name=f"#{case_id} 未着手")).to_be_visible()
    shot(page, "privacy-06-timeline")

    # Exposure per applicant served, against the median of colleagues in the same role.
    page.get_by_role("link", name="申請者1人当たりの件数（同僚との比較）").click()
    page.wait_for_url("**/watch/staff/counter1/exposure/")
    # and the canary's persons, served on its path
    persons = len(set(office.served["counter1"])) + office.canary_w01_people
    expect(page.locator("main, body").first).to_contain_text(
        f"対応した人（申請者と書類上の家族等）: {persons}名 · 比較した同僚: 1名"
    )
    svg = page.get_by_test_id("exposure-chart").locator("svg")
    expect(svg).to_have_count(1)
    expect(svg.locator("> title")).to_have_text(
        "対応した人（申請者と書類上の家族等）1人当たりの件数"
    )
    bars = svg.locator("rect title").all_text_contents()
    mine = [b for b in bars if b.startswith("counter1: ")]
    peers = [b for b in bars if b.startswith("同じ役割の同僚の中央値: ")]
    assert len(mine) == len(peers) == 5, bars  # reveals, matches, prints, copies, MFP jobs
    reveals = SKIM_REVEALS * 5 / persons
    assert mine[0] == f"counter1: {reveals:.2f}" and peers[0] == "同じ役割の同僚の中央値: 0.00"
    heights = svg.locator("rect:has(title)").evaluate_all(
        "rects => rects.map(r => parseFloat(r.getAttribute('height')))"
    )
    assert heights[0] > 0 and heights[1] == 0  # counter1's reveals bar, the peers' beside it
    table = page.get_by_test_id("exposure-table")
    expect(table.locator("tr").nth(1)).to_have_text(
        re.compile(rf"表示（理由付き）\s*{reveals:.3f}")
    )
    shot(page, "privacy-07-exposure")


def test_the_canary_registry_shows_the_touch_that_made_a_case(officer_page: Page, office: Office):
    page = officer_page
    run_detection(page)
    page.goto("/watch/canaries/")
    expect(page.locator("div.card[data-testid^=canary-]")).to_have_count(3)  # W01–W03

    off_path = page.get_by_test_id(f"canary-{office.canary_w02}")
    expect(off_path).to_contain_text("窓口 W02")
    touches = off_path.locator("tr[data-testid^=touch-]")
    expect(touches.filter(has_text="subject.write")).to_contain_text("system")  # planted
    expect(touches.filter(has_text="subject.write").locator("a")).to_have_count(0)
    by_clerk = touches.filter(has_text="counter1")
    assert by_clerk.count() >= 2  # the break-glass grant's call and the disclosure
    cases = {row.locator("a.warn").inner_text() for row in by_clerk.all()}
    assert len(cases) == 1, cases  # every touch of counter1's is in the one case
    link = by_clerk.first.locator("a.warn")
    case_id = cases.pop().lstrip("#")
    on_path = page.get_by_test_id(f"canary-{office.canary_w01}")
    expect(on_path).to_contain_text("counter1")  # served at W01, its planted path
    expect(on_path.locator("a.warn")).to_have_count(0)  # …which is no case
    shot(page, "privacy-08-canaries")

    link.click()
    page.wait_for_url(f"**/watch/case/{case_id}/")
    expect(page.locator("h1")).to_have_text(f"事案 {case_id}：職員 counter1")
    expect(page.get_by_test_id("evidence")).to_contain_text(office.canary_w02)

    # The registry records where a canary is planted: W01's is counter1's from now on.
    page.goto("/watch/canaries/")
    form = page.get_by_test_id("place-canary")
    form.locator("#subject").fill(canary_number("W01"))
    form.locator("#window").select_option("W01")
    form.locator("#staff_id").fill("counter1")
    submit(page, form.get_by_role("button", name="記録する"))
    expect(message(page)).to_contain_text("カナリアの配置を記録しました。")
    expect(page.get_by_test_id(f"canary-{office.canary_w01}")).to_contain_text(
        "窓口 W01 職員 counter1"
    )


def test_a_counter_clerk_is_refused_the_privacy_office(page: Page, office: Office):
    log_in(page, office["counter2"], DEMO_PASSWORD)
    for url in ("/watch/", "/watch/canaries/", "/watch/staff/counter1/", "/incident/"):
        response = page.goto(url)
        assert response is not None and response.status == 403, url
        expect(page.locator("h1")).to_have_text("この操作は利用できません")
        expect(page.get_by_test_id("denied-reasons")).not_to_be_empty()
    reasons = page.get_by_test_id("denied-reasons").inner_text()
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", reasons), reasons  # in Japanese
    shot(page, "privacy-09-clerk-refused")
    # Nor does the home menu offer the office.
    page.goto("/")
    expect(page.get_by_role("link", name="事案一覧（個人情報保護）")).to_have_count(0)


def test_the_privacy_officer_finds_staff_and_reads_a_timeline_in_words(
    officer_page: Page, office: Office
):
    page = officer_page
    page.goto("/watch/")
    page.get_by_test_id("watch-nav").get_by_role("link", name="職員一覧").click()
    page.wait_for_url("**/watch/staff/")
    page.fill("#id_q", "counter1")
    submit(page, page.get_by_test_id("staff-search").get_by_role("button", name="検索"))
    row = page.get_by_test_id("staff-counter1")
    expect(row).to_contain_text("窓口受付担当")
    expect(page.get_by_test_id("staff")).not_to_contain_text("counter2")
    shot(page, "privacy-08-staff-directory")
    row.get_by_role("link", name="counter1").click()
    page.wait_for_url("**/watch/staff/counter1/")

    # Outside any task only: counter1's tickets and break-glass are tasks, so none of them.
    page.select_option("#id_scope", "outside")
    submit(page, page.get_by_test_id("timeline-filters").get_by_role("button", name="絞り込む"))
    timeline = page.get_by_test_id("timeline")
    expect(timeline).not_to_contain_text("（窓口 W01）")
    expect(timeline).not_to_contain_text("緊急アクセス")
    page.select_option("#id_scope", "")
    submit(page, page.get_by_test_id("timeline-filters").get_by_role("button", name="絞り込む"))
    with page.expect_download() as info:
        page.get_by_test_id("timeline-csv").click()
    csv_text = info.value.path().read_text(encoding="utf-8-sig")
    assert csv_text.startswith("日付,時刻,業務") and "画面表示" in csv_text
    shot(page, "privacy-09-timeline-words")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Screen display – Application intake")
    expect(timeline).not_to_contain_text("；")
    shot(page, "privacy-10-timeline-en")
