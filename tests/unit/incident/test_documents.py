from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import SubjectRole
from ryoken.errors import InvalidInput
from ryoken.incident.appi import ReportKind, assess_scope, deadlines
from ryoken.incident.documents import (
    ITEM_TITLES,
    Addressee,
    IncidentFacts,
    Office,
    build_enquiry_script,
    build_notices,
    build_publication,
    build_report,
    notices_printable,
    report_printable,
    text_printable,
    to_json_bytes,
)
from ryoken.incident.scope import Period, scope
from ryoken.web.documents.pdf import render, render_document

JST = timezone(timedelta(hours=9))
T0 = datetime(2022, 5, 9, 9, 0, tzinfo=JST)
LEARNED = date(2023, 5, 15)
OFFICE = Office(
    name="東京都生活文化局都民生活部旅券課",
    head="東京都知事",
    desk_name="旅券個人情報お問い合わせ窓口",
    desk_phone="03-0000-0000",
    desk_hours="平日9時から17時",
)
FACTS = IncidentFacts(
    office=OFFICE,
    learned_on=LEARNED,
    summary="旅券窓口の委託事業者の職員が、申請者等の個人情報を持ち出していた。",
    cause="職員による不正な持ち出し。",
    secondary_harm="現時点で二次被害は確認されていない。",
    response_to_persons="対象者への通知を準備中。",
    publication="令和5年11月24日に公表予定。",
    recurrence_measures="画面表示の最小化と全件記録、印刷・複写の管理。",
    other="警察に相談済み。",
)
PEOPLE = {
    "ds_AOKI": Addressee("青木 一郎", "170-0013", "東京都豊島区東池袋1-1-1"),
    "ds_BABA": Addressee("馬場 花子", "176-0001", "東京都練馬区練馬2-2-2"),
    "ds_CHIBA": Addressee("𠮷田 千葉", "171-0022", "東京都豊島区南池袋3-3-3"),
    "ds_GONE": None,
}


def ev(second: int, subject: str, fields: tuple[str, ...]) -> Event:
    return Event(
        EventCode.DISCLOSURE,
        T0 + timedelta(seconds=second),
        "counter1",
        (subject,),
        fields,
        terminal="W01",
    )


def office_scope(extra: int = 0):
    events = [
        ev(1, "ds_AOKI", ("name_kanji", "address", "criminal_answers")),
        ev(2, "ds_BABA", ("birth_date",)),
        ev(3, "ds_CHIBA", ("name_kanji", "phone")),
        ev(4, "ds_GONE", ("name_kana",)),
        *(ev(10 + i, f"ds_X{i:04d}", ("name_kanji",)) for i in range(extra)),
    ]
    roles = {e.subjects[0]: [SubjectRole.APPLICANT] for e in events}
    roles["ds_CHIBA"] = [SubjectRole.FAMILY_MEMBER]
    return scope(events, "counter1", Period(T0, T0 + timedelta(days=1)), roles=roles)


def squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_it_builds_the_report_with_nine_items_and_items_two_and_three_from_the_scoping() -> None:
    scoped = office_scope(extra=101)
    decision = assess_scope(scoped, learned_on=LEARNED, unlawful_purpose=True)
    report = build_report(
        scoped,
        decision,
        FACTS,
        kind=ReportKind.PRELIMINARY,
        prepared_on=date(2023, 5, 17),
        deadlines=deadlines(LEARNED, unlawful_purpose=True),
    )
    assert [i["no"] for i in report["items"]] == list(range(1, 10))
    assert [i["title"] for i in report["items"]] == [ITEM_TITLES[n] for n in range(1, 10)]
    item2, item3 = report["items"][1], report["items"][2]
    assert {f["field"]: f["persons"] for f in item2["fields"]} == dict(scoped.by_field)
    assert item3["persons"] == scoped.persons == 105
    assert item3["text"].startswith("105人")
    assert report["deadlines"]["final_days"] == 60
    assert [r["code"] for r in report["decision"]["reasons"]] == [
        "sensitive",
        "unlawful_purpose",
        "persons",
    ]
    assert json.loads(to_json_bytes(report)) == report


def test_it_refuses_a_decision_made_on_another_scoping() -> None:
    decision = assess_scope(office_scope(extra=5), learned_on=LEARNED, unlawful_purpose=True)
    with pytest.raises(InvalidInput, match="same scoping"):
        build_report(office_scope(), decision, FACTS, kind=ReportKind.FINAL, prepared_on=LEARNED)


def test_it_renders_the_report_pdf_with_every_item_and_the_exact_number(pdf_pages) -> None:
    scoped = office_scope(extra=1916)  # 1,920 people, as in the incident
    decision = assess_scope(scoped, learned_on=LEARNED, unlawful_purpose=True)
    report = build_report(scoped, decision, FACTS, kind=ReportKind.FINAL, prepared_on=LEARNED)
    (page_one, *_rest) = pages = pdf_pages(render_document(report_printable(report)))
    text = squash("".join(pages))
    assert "保有個人情報の漏えい等報告書（確報）" in squash(page_one)
    for no, title in ITEM_TITLES.items():
        assert squash("①②③④⑤⑥⑦⑧⑨"[no - 1] + title) in text
    assert "1,920人（内訳：申請者1,919人、家族（戸籍謄本に記載の方）1人" in text
    assert "刑罰等関係（1人）" in text
    assert squash(FACTS.recurrence_measures) in text


def test_it_writes_one_notice_page_per_person_with_only_that_persons_data(pdf_pages) -> None:
    notices = build_notices(office_scope(), FACTS, PEOPLE.get, prepared_on=date(2023, 11, 24))
    assert [n.subject for n in notices.notices] == ["ds_AOKI", "ds_BABA", "ds_CHIBA"]
    assert notices.undeliverable == ("ds_GONE",)
    pages = [squash(p) for p in pdf_pages(render_document(notices_printable(notices)))]
    assert len(pages) == 3
    own = {
        "ds_AOKI": ("氏名（漢字）", "住所", "刑罰等関係"),
        "ds_BABA": ("生年月日",),
        "ds_CHIBA": ("氏名（漢字）", "電話番号"),
    }
    for page, notice in zip(pages, notices.notices, strict=True):
        me = PEOPLE[notice.subject]
        assert squash(f"{me.name}様") in page and squash(me.address) in page
        assert "あなたの" + "、".join(own[notice.subject]) in page
        for other, them in PEOPLE.items():
            if other != notice.subject and them is not None:
                assert squash(them.name) not in page and squash(them.address) not in page
                assert other not in page
        for no in (1, 2, 4, 5, 9):
            assert squash(ITEM_TITLES[no]) in page
        for no in (3, 6, 7, 8):
            assert squash(ITEM_TITLES[no]) not in page
    assert "𠮷田千葉様" in pages[2]


def test_it_keeps_names_and_addresses_out_of_the_notices_json() -> None:
    notices = build_notices(office_scope(), FACTS, PEOPLE.get, prepared_on=LEARNED)
    text = to_json_bytes(notices.to_json()).decode()
    for person in PEOPLE.values():
        if person is not None:
            assert person.name not in text and person.address not in text
    assert '"ds_AOKI"' in text


def test_it_refuses_to_render_a_mail_merge_with_nobody_to_mail() -> None:
    notices = build_notices(office_scope(), FACTS, lambda subject: None, prepared_on=LEARNED)
    assert len(notices.undeliverable) == 4
    with pytest.raises(InvalidInput):
        render_document(notices_printable(notices))


def test_it_writes_the_publication_and_desk_script_without_naming_anyone(pdf_pages) -> None:
    scoped = office_scope()
    publication = build_publication(scoped, FACTS, prepared_on=LEARNED, undeliverable=1)
    script = build_enquiry_script(scoped, FACTS)
    texts = []
    for document in (publication, script):
        text = squash("".join(pdf_pages(render_document(text_printable(document)))))
        texts.append(text)
        assert "4人" in text
        for person in PEOPLE.values():
            if person is not None:
                assert squash(person.name) not in text
    assert squash(OFFICE.desk_phone) in texts[0]
    assert "ご連絡先が確認できない1人の方" in texts[0]
    assert any("本人であることを確認" in s for s in script["steps"])


def test_it_renders_the_same_bytes_twice_and_falls_back_to_a_cid_font(pdf_pages) -> None:
    scoped = office_scope()
    decision = assess_scope(scoped, learned_on=LEARNED, unlawful_purpose=True)
    report = build_report(scoped, decision, FACTS, kind=ReportKind.FINAL, prepared_on=LEARNED)
    assert render_document(report_printable(report)) == render_document(report_printable(report))
    fallback = render_document(report_printable(report), embed_font=False)
    assert b"/FontFile2" not in fallback and b"HeiseiKakuGo-W5" in fallback
    assert "4人" in squash("".join(pdf_pages(fallback)))
    assert b"/FontFile2" in render_document(report_printable(report))


def test_it_renders_documents_with_different_characters_one_after_another(pdf_pages) -> None:
    first, _ = render([[("body", "報告書 一二三")]], title="a", author="b")
    second, font = render([[("body", "豊島区南池袋 𠮷田")]], title="a", author="b")
    assert font.embedded
    assert squash(pdf_pages(first)[0]) == "報告書一二三"
    assert squash(pdf_pages(second)[0]) == "豊島区南池袋𠮷田"
