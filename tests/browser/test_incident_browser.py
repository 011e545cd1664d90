"""An incident in a real Chromium, from the confirmed case to the documents for the law.

The privacy officer confirms counter1's canary case, opens the incident from it, places
the evidence hold (a fresh step-up first), exports the scope as CSV and Excel (checked row
by row against what the office's morning showed counter1), uploads a leaked list and sees
counter1 ranked first with the canary as decisive evidence, downloads the report to the
commission and the notices (read back as PDF text), and answers "who saw my data" for one
person. Seeded as in test_privacy_office.py (`office_at_work.py`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .conftest import log_in, shot
from .office_at_work import Office, canary_number, seed
from .test_journey import age_step_up, reauthenticate

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "ryoken-demo-2026"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def office(ledger_db) -> Office:
    return seed()


@pytest.fixture
def officer_page(chromium, live_server, office: Office):
    context = chromium.new_context(locale="ja-JP", base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, office["privacy1"], DEMO_PASSWORD)
    yield page
    context.close()


def submit(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def message(page: Page):
    return page.locator("ul.messages").first


def download(page: Page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_test_id("downloads").get_by_role("link", name=link_name).click()
    return info.value.suggested_filename, info.value.path().read_bytes()


def pdf_text(data: bytes) -> tuple[int, list[str]]:
    assert data.startswith(b"%PDF-"), data[:16]
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [p.extract_text() or "" for p in reader.pages]


def confirm_canary_case(page: Page) -> int:
    """Detection from the queue; counter1's canary case → investigating → confirmed."""
    page.goto("/watch/")
    submit(page, page.get_by_test_id("run-now"))
    row = page.get_by_test_id("case-queue").locator("tr", has_text="counter1")
    row.get_by_role("link", name="開く").click()
    page.wait_for_url(re.compile(r"/watch/case/\d+/$"))
    for to, note in (("investigating", ""), ("confirmed", "配置経路外のカナリアの閲覧")):
        form = page.get_by_test_id("triage")
        form.locator(f"input[name=to][value={to}]").check()
        form.locator("#reason").fill(note)
        submit(page, form.get_by_test_id("transition"))
    expect(page.get_by_test_id("status")).to_contain_text("事故と確定")
    return int(re.search(r"/case/(\d+)/$", page.url)[1])


def leaked_list(office: Office) -> bytes:
    """Ten rows as a finder would type them up: seven of counter1's persons (one with
    full-width digits, one by reading only, one by phone), the W01 canary, and three people
    the office never saw."""
    applicants = [s for s in office.served["counter1"] if "birth_date" in office.plain[s]]
    contacts = [s for s in office.served["counter1"] if s not in applicants]
    rows = [["氏名", "フリガナ", "生年月日", "電話番号"]]
    for i, subject in enumerate(applicants[:5]):
        p = office.plain[subject]
        born = p["birth_date"]
        if i == 1:
            born = born.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
        rows.append(["" if i == 2 else p["name_kanji"], p["name_kana"], born, ""])
    for subject in contacts[:1]:
        p = office.plain[subject]
        rows.append([p["name_kanji"], "", "", p["phone"]])
    rows.append(["鷹取 澄香", "タカトリ スミカ", "1986-02-14", "090-4417-7311"])  # canary W01
    rows += [
        ["山路 奏多", "ヤマジ カナタ", "1979-08-30", "090-7777-1234"],
        ["白河 なつみ", "シラカワ ナツミ", "2001-12-01", ""],
        ["Tanaka Ken", "", "1990-01-01", "080-1111-2222"],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_the_privacy_officer_takes_an_incident_from_the_case_to_the_documents(
    officer_page: Page, office: Office
):
    from openpyxl import load_workbook

    from ryoken.web.accounts.models import Staff
    from ryoken.web.incident.models import Incident
    from ryoken.web.vault.models import Subject

    page = officer_page
    shown = office.shown["counter1"]  # subject → fields the ledger says counter1 saw
    case_id = confirm_canary_case(page)

    # 1. Open the incident from the confirmed case: the form starts from the case.
    page.get_by_test_id("incident-link").click()
    page.wait_for_url(re.compile(r"/incident/\?case=\d+$"))
    expect(page.get_by_test_id("from-case")).to_contain_text(f"事案 {case_id} から登録します")
    form = page.get_by_test_id("incident-form")
    expect(form.locator("#id_staff")).to_have_value("counter1")
    expect(form.locator("#id_unlawful_purpose")).to_be_checked()
    form.locator("#id_title").fill("池袋 窓口W01からの持ち出しの疑い")
    shot(page, "incident-01-open-from-case")
    submit(page, form.get_by_role("button", name="登録"))
    expect(page).to_have_url(re.compile(r"/incident/\d+/$"))
    incident = Incident.objects.get()
    assert incident.case_id == case_id and incident.suspects == ["counter1"]
    expect(page.get_by_test_id("from-case")).to_have_text(f"事案 {case_id}")
    expect(page.get_by_test_id("persons")).to_have_text(f"対象者 {len(shown)} 名")
    expect(page.get_by_test_id("decision")).to_have_text(
        "個人情報保護委員会への報告と本人への通知が必要です。"
    )
    shot(page, "incident-02-detail")
    # The case page now leads to this incident.
    page.goto(f"/watch/case/{case_id}/")
    page.get_by_test_id("incident-link").click()
    page.wait_for_url(f"**/incident/{incident.pk}/")

    # 2. The evidence hold, after a fresh step-up (five minutes have passed).
    age_step_up(page)
    submit(page, page.get_by_test_id("hold-form").get_by_role("button", name="証拠保全を実施"))
    reauthenticate(page, office["privacy1"])
    page.fill("#id_password", DEMO_PASSWORD)
    submit(page, page.get_by_role("button", name="確認"))
    # Back where it asked: the hold's confirmation, which names whose access stops.
    expect(page).to_have_url(re.compile(rf"/incident/{incident.pk}/hold/$"))
    expect(page.get_by_test_id("confirm-lines")).to_contain_text("counter1")
    expect(page.get_by_test_id("confirm-yes")).to_be_focused()
    assert not Staff.objects.get(staff_id="counter1").frozen  # asked, not done
    submit(page, page.get_by_test_id("confirm-yes"))
    expect(message(page)).to_contain_text(f"証拠保全を実施しました（対象者 {len(shown)} 名")
    assert Staff.objects.get(staff_id="counter1").frozen
    assert set(Subject.objects.filter(legal_hold=True).values_list("pk", flat=True)) == set(shown)
    holds = page.get_by_test_id("holds")
    expect(holds).to_contain_text("privacy1")
    with page.expect_download() as bundle:
        holds.get_by_role("link", name="証拠パッケージ").click()
    names = zipfile.ZipFile(bundle.value.path()).namelist()
    assert names, "an empty evidence bundle"
    shot(page, "incident-03-held")

    # 3. The scope as CSV: one row per person, field and channel — exactly what was shown.
    name, data = download(page, "影響範囲（CSV）")
    assert name == f"incident-{incident.pk}-scope.csv"
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert header[:4] == ["データ主体ID", "役割", "項目", "項目名"]
    exported: dict[str, set[str]] = {}
    for row in body:
        exported.setdefault(row[0], set()).add(row[2])
        assert row[5] == "画面表示"
    assert exported == shown
    name, data = download(page, "影響範囲（Excel）")
    assert name.endswith(".xlsx")
    sheets = load_workbook(io.BytesIO(data), read_only=True)
    assert any(
        ws.max_row == len(body) + 1
        and next(ws.iter_rows(max_row=1, values_only=True))[0] == "データ主体ID"
        for ws in sheets.worksheets
    ), [(ws.title, ws.max_row) for ws in sheets.worksheets]

    # 4. The report to the commission and the notices, as PDFs with Japanese text.
    name, data = download(page, "漏えい等報告書（PDF）")
    pages, text = pdf_text(data)
    report = "\n".join(text)
    assert pages >= 1 and JAPANESE.search(report)
    assert "個人情報保護委員会" in report or "漏えい" in report, report[:400]
    assert re.search(rf"\b{len(shown)}\s*(名|人)", report), report[:1500]
    name, data = download(page, "本人への通知（PDF）")
    pages, text = pdf_text(data)
    assert pages == len(shown)
    notices = "\n".join(text)
    for subject in office.served["counter1"][:3]:
        assert office.plain[subject]["name_kanji"] in notices
    first = office.served["counter1"][0]
    own = [t for t in text if office.plain[first]["name_kanji"] in t]
    assert len(own) == 1 and office.plain[office.served["counter1"][2]]["name_kanji"] not in own[0]
    shot(page, "incident-04-documents")

    # 5. Attribution: the W01 canary is counter1's from now on (the canary registry).
    page.goto("/watch/canaries/")
    place = page.get_by_test_id("place-canary")
    place.locator("#subject").fill(canary_number("W01"))
    place.locator("#window").select_option("W01")
    place.locator("#staff_id").fill("counter1")
    submit(page, place.get_by_role("button", name="記録する"))
    page.goto("/incident/attribute/")
    page.set_input_files(
        "#id_leaked",
        files=[{"name": "leak.csv", "mimeType": "text/csv", "buffer": leaked_list(office)}],
    )
    submit(page, page.get_by_test_id("leak-form").get_by_role("button", name="照合して推定"))
    expect(page.get_by_test_id("summary")).to_have_text("10 行のうち 7 名を特定しました。")
    top = page.get_by_test_id("suspect-1")
    expect(top.locator("td").nth(1)).to_have_text("counter1")
    expect(top.locator("td").nth(2)).to_have_text("1.000")  # decisive: the canary
    expect(top.locator("td").nth(4)).to_have_text(office.canary_w01)
    expect(page.get_by_test_id("suspects")).not_to_contain_text("counter2")
    shot(page, "incident-05-attribution")

    # 6. Who saw my data: one of counter1's applicants asks, by the number on their receipt.
    from ryoken.web.applications.models import Application

    app = Application.objects.filter(applicant__in=office.served["counter1"]).order_by("pk")[0]
    page.goto("/incident/who-saw/")
    page.fill("#id_reception_number", app.reception_number)
    submit(page, page.get_by_test_id("who-saw-form").get_by_role("button", name="照会"))
    accesses = page.get_by_test_id("accesses")
    rows = accesses.locator("tr").filter(has_text="窓口受付担当")
    assert rows.count() >= 1
    expect(rows.first).to_contain_text("申請受付")  # the purpose in words, not "intake:…"
    expect(rows.first).to_contain_text("氏名（漢字）、生年月日、住所")
    expect(accesses).not_to_contain_text("counter1")  # roles, never names
    expect(accesses).to_contain_text("個人情報保護責任者")  # the notices read the address
    expect(accesses).to_contain_text("漏えい等への対応")
    shot(page, "incident-06-who-saw")
