"""The inquiry desk (電話照会・状況確認): status only, under an inquiry task with a reason.

What the ledger must hold (docs/events.md, schema v2): `grant.open` kind inquiry with the
inquiry's kind, the typed reason and the number as a keyed hash only; a callback search as a
`search` under the task (fields the list shows, kind, reason); the chosen person added with
`via: "search"`; the status screen as one disclosure of exactly application_status (shown)
and name_kana (masked).
"""

from __future__ import annotations

import pytest

from ryoken.errors import LedgerError
from ryoken.web.access.models import Grant
from ryoken.web.counter.models import Inquiry
from ryoken.web.ledger import store
from ryoken.web.vault import keys

from .helpers import HOLDER, ledger_events, make_application, make_person

pytestmark = pytest.mark.office_hours

REASON = "本人から受取日の問い合わせ（電話）"
CALLBACK_HOLDER = {**HOLDER, "phone": "03-1234-5678"}


def _open(client, **fields: str):
    data = {"kind": "phone", "reason": REASON, "reception": "", "callback": "", **fields}
    return client.post("/desk/inquiry/open/", data)


def _grant_of(response) -> Grant:
    assert response.status_code == 302, response.content.decode()[:800]
    return Grant.objects.get(grant_id=response["Location"].rstrip("/").split("/")[-1])


def test_it_opens_an_inquiry_task_by_reception_number_with_a_hashed_number(
    login_as, personas, ready_app
):
    client = login_as(personas["counter_clerk"])
    grant = _grant_of(_open(client, reception=ready_app.reception_number))
    assert grant.kind == "inquiry" and grant.step == "inquiry"
    (opened,) = ledger_events("grant.open", grant=grant.grant_id)
    assert opened.subjects == (ready_app.applicant,)
    assert opened.details["kind"] == "inquiry" and opened.details["inquiry"] == "phone"
    assert opened.details["reason"] == REASON
    hashed = opened.details["reception"]
    assert isinstance(hashed, str) and hashed.startswith("rc_")
    assert ready_app.reception_number not in hashed and "callback" not in opened.details
    assert Inquiry.objects.get(grant=grant).number_hash == hashed
    # the same number, typed in full width, gives the same hash (no number in the ledger)
    wide = ready_app.reception_number.translate(
        str.maketrans("0123456789-", "０１２３４５６７８９－")
    )
    assert "rc_" + keys.blind_indexer().reference("reception", wide) == hashed


def test_it_shows_the_status_only_after_ledgering_exactly_what_it_shows(
    login_as, personas, ready_app
):
    client = login_as(personas["counter_clerk"])
    grant = _grant_of(_open(client, reception=ready_app.reception_number))
    html = client.get(f"/desk/inquiry/{grant.grant_id}/").content.decode()
    assert "交付待ち" in html or "受け取れます" in html
    assert "ヤマダ ＊＊＊" in html  # the reading, masked: enough to confirm
    for value in ("山田 太郎", "タロウ", HOLDER["birth_date"], HOLDER["passport_number"], "東京都"):
        assert value not in html
    assert 'data-testid="watermark"' in html
    shown = ledger_events("disclosure", grant=grant.grant_id)
    assert sorted((e.fields, e.details["form"]) for e in shown) == [
        (("application_status",), "shown"),
        (("name_kana",), "masked"),
    ]
    for e in shown:
        assert e.actor == personas["counter_clerk"].staff_id
        assert e.subjects == (ready_app.applicant,) and e.purpose == "inquiry"
        assert e.details["grant_kind"] == "inquiry" and e.details["step"] == "inquiry"


def test_it_shows_nothing_when_the_ledger_cannot_record(login_as, personas, ready_app, monkeypatch):
    client = login_as(personas["counter_clerk"])
    grant = _grant_of(_open(client, reception=ready_app.reception_number))

    def broken(*events):
        raise LedgerError("disk full", message_ja="監査台帳に記録できません。")

    monkeypatch.setattr(store, "record", broken)
    client.raise_request_exception = False
    response = client.get(f"/desk/inquiry/{grant.grant_id}/")
    html = response.content.decode()
    assert response.status_code == 503
    assert "ヤマダ" not in html and "受け取れます" not in html
    assert ledger_events("disclosure", grant=grant.grant_id) == []


def test_it_answers_an_unknown_number_with_one_message_and_ledgers_the_miss(
    login_as, personas, ready_app
):
    client = login_as(personas["counter_clerk"])
    loss = make_application(ready_app.applicant, kind="loss_report", state="accepted")
    pages = []
    for number in ("13IKB-20260101-999999", loss.reception_number):
        response = _open(client, reception=number)
        assert response.status_code == 400
        pages.append(response.content.decode())
    message = "該当する申請が見つかりません。番号をお確かめのうえ、もう一度入力してください。"
    assert all(message in page for page in pages)
    assert not Grant.objects.filter(kind="inquiry").exists()
    misses = ledger_events("search", actor=personas["counter_clerk"].staff_id)
    assert [(m.details["found"], m.details["kind"], m.details["reason"]) for m in misses] == [
        (0, "reception_number", REASON)
    ] * 2
    assert all(m.subjects == () and m.grant is None for m in misses)


def test_it_requires_a_reason_and_one_number(login_as, personas, ready_app):
    client = login_as(personas["counter_clerk"])
    no_reason = _open(client, reception=ready_app.reception_number, reason=" ")
    assert no_reason.status_code == 400
    both = _open(client, reception=ready_app.reception_number, callback="03-1234-5678")
    assert both.status_code == 400 and "どちらか一方" in both.content.decode()
    assert not Grant.objects.filter(kind="inquiry").exists()


def test_it_allows_one_open_inquiry_per_staff_member(login_as, personas, ready_app):
    client = login_as(personas["counter_clerk"])
    first = _grant_of(_open(client, reception=ready_app.reception_number))
    second = _open(client, reception=ready_app.reception_number)
    assert second.status_code == 400 and "一度に一件まで" in second.content.decode()
    assert client.get("/desk/inquiry/")["Location"].endswith(f"/desk/inquiry/{first.grant_id}/")
    assert client.post(f"/desk/inquiry/{first.grant_id}/close/").status_code == 302
    first.refresh_from_db()
    assert first.closed_at is not None
    (closed,) = ledger_events("grant.close", grant=first.grant_id)
    assert closed.details["kind"] == "inquiry"
    _grant_of(_open(client, reception=ready_app.reception_number))


def test_it_finds_a_caller_by_callback_number_through_a_minimal_result_list(
    ledger_db, login_as, personas
):
    holder = make_person(CALLBACK_HOLDER)
    namesake = make_person(
        {**CALLBACK_HOLDER, "name_kana": "ヤマダ ジロウ", "birth_date": "1990-01-02"}
    )
    app = make_application(holder)
    make_application(namesake, state="in_review")
    client = login_as(personas["issuance_clerk"])
    grant = _grant_of(_open(client, kind="status", callback="03-1234-5678"))
    (opened,) = ledger_events("grant.open", grant=grant.grant_id)
    assert opened.subjects == () and str(opened.details["callback"]).startswith("cb_")
    assert "1234" not in str(opened.details["callback"]) and "reception" not in opened.details

    response = client.post(f"/desk/inquiry/{grant.grant_id}/search/", {"callback": "0312345678"})
    html = response.content.decode()
    assert 'data-testid="count">2<' in html
    assert "ヤマダ ＊＊＊" in html and "1985" in html and "1990" in html
    for value in ("タロウ", "ジロウ", "山田", HOLDER["birth_date"], "04-02", "東京都"):
        assert value not in html
    (search,) = ledger_events("search", grant=grant.grant_id)
    assert set(search.subjects) == {holder, namesake}
    assert search.fields == ("name_kana", "birth_date")
    assert search.details == {"kind": "callback_number", "found": 2, "reason": REASON}
    assert not grant.subjects.exists()  # the list adds nobody to the task

    index = list(search.subjects).index(holder)
    chosen = client.post(f"/desk/inquiry/{grant.grant_id}/choose/", {"candidate": index})
    assert chosen.status_code == 302
    assert list(grant.subjects.values_list("subject", flat=True)) == [holder]
    added = [e for e in ledger_events("grant.open", grant=grant.grant_id) if e.details.get("added")]
    assert [(e.subjects, e.details["via"]) for e in added] == [((holder,), "search")]
    page = client.get(f"/desk/inquiry/{grant.grant_id}/").content.decode()
    assert app.reception_number in page and "ヤマダ ＊＊＊" in page
    assert [e.subjects for e in ledger_events("disclosure", grant=grant.grant_id)] == [
        (holder,),
        (holder,),
    ]


def test_it_lists_nothing_for_a_callback_number_nobody_has(ledger_db, login_as, personas):
    client = login_as(personas["supervisor"])
    grant = _grant_of(_open(client, callback="090-0000-0000"))
    html = client.post(
        f"/desk/inquiry/{grant.grant_id}/search/", {"callback": "090-0000-0000"}
    ).content.decode()
    assert "該当する申請が見つかりません" in html
    (search,) = ledger_events("search", grant=grant.grant_id)
    assert search.details["found"] == 0 and search.subjects == () and search.fields == ()


def test_it_searches_only_the_number_the_task_was_opened_with(ledger_db, login_as, personas):
    make_application(make_person(CALLBACK_HOLDER))
    client = login_as(personas["counter_clerk"])
    grant = _grant_of(_open(client, callback="090-0000-0000"))
    response = client.post(f"/desk/inquiry/{grant.grant_id}/search/", {"callback": "03-1234-5678"})
    assert response.status_code == 400
    assert ledger_events("search", grant=grant.grant_id) == []


def test_it_keeps_one_staff_members_inquiry_from_another(login_as, personas, ready_app):
    mine = _grant_of(
        _open(login_as(personas["counter_clerk"]), reception=ready_app.reception_number)
    )
    other = login_as(personas["issuance_clerk"])
    assert other.get(f"/desk/inquiry/{mine.grant_id}/").status_code == 404
    assert other.post(f"/desk/inquiry/{mine.grant_id}/close/").status_code == 404
    assert ledger_events("disclosure", grant=mine.grant_id) == []


@pytest.mark.parametrize("role", ["reviewer", "privacy_officer", "auditor", "administrator"])
def test_it_refuses_roles_without_the_desk(login_as, personas, ready_app, role):
    client = login_as(personas[role])
    assert client.get("/desk/inquiry/").status_code == 403
    assert _open(client, reception=ready_app.reception_number).status_code == 403
    assert not Grant.objects.filter(kind="inquiry").exists()


def test_it_denies_a_stranger(login_as, stranger, ready_app, personas):
    mine = _grant_of(
        _open(login_as(personas["counter_clerk"]), reception=ready_app.reception_number)
    )
    client = login_as(stranger)
    assert client.get("/desk/inquiry/").status_code == 403
    assert _open(client, reception=ready_app.reception_number).status_code == 403
    assert client.get(f"/desk/inquiry/{mine.grant_id}/").status_code == 403
    assert Grant.objects.filter(kind="inquiry").count() == 1
    assert ledger_events("disclosure", grant=mine.grant_id) == []


def test_a_result_list_refuses_more_than_the_limit_and_fields_the_step_hides(ledger_db, personas):
    from ryoken.errors import AccessDenied
    from ryoken.web.counter.desk import inquiry
    from ryoken.web.vault import gateway

    people = [make_person({**CALLBACK_HOLDER, "name_kana": f"ヤマダ {n}"}) for n in range(21)]
    grant = inquiry.open_inquiry(
        staff=personas["counter_clerk"], kind="phone", reason=REASON, callback="03-1234-5678"
    )
    common = {
        "actor": personas["counter_clerk"].staff_id,
        "grant": grant.grant_id,
        "terminal": None,
        "purpose": "inquiry",
        "kind": "callback_number",
        "reason": REASON,
    }
    with pytest.raises(AccessDenied):
        gateway.list_results(**common, subjects=people, fields=("name_kana",))
    with pytest.raises(AccessDenied):  # the inquiry step hides the address
        gateway.list_results(**common, subjects=people[:2], fields=("address",))
    with pytest.raises(AccessDenied):  # not the searcher's task
        gateway.list_results(
            **{**common, "actor": personas["supervisor"].staff_id}, subjects=people[:1]
        )
    assert ledger_events("search", grant=grant.grant_id) == []
    assert len(ledger_events("disclosure.refused", grant=grant.grant_id)) == 3
