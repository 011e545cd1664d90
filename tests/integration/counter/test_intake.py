"""Intake at the window: the paper form into the vault, romaji, scans, review, 受理."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ryoken.errors import AccessDenied
from ryoken.web.access.models import GrantSubject
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.counter.models import IntakeRecord, PrintJob
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway, writes
from ryoken.web.vault.models import Subject, Value

from .helpers import (
    JPEG,
    PDF,
    app_url,
    call_applicant,
    enter_application,
    minor_birth_date,
    png,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(client, personas, ledger_db, login_as):
    """counter_clerk has called an applicant to W01: (client, clerk, grant)."""
    clerk = personas["counter_clerk"]
    login_as(clerk)
    return client, clerk, call_applicant(client)


def _app_id(response) -> int:
    assert response.status_code == 302, _errors(response)
    return int(response["Location"].split("/app/")[1].split("/")[0])


def _errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]+)<', response.content.decode())


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's content type is deliberately wrong: only the bytes count.
    return SimpleUploadedFile(name, content, content_type="image/png")


def _counts() -> dict[str, int]:
    return {
        "subjects": Subject.objects.count(),
        "values": Value.objects.count(),
        "applications": Application.objects.count(),
        "grant_subjects": GrantSubject.objects.count(),
        "ledger": Entry.objects.exclude(code="disclosure.refused").count(),
    }


def _ready_to_accept(client, grant, **overrides) -> int:
    app_id = _app_id(enter_application(client, grant, **overrides))
    romaji = {"choice": "YAMADA TARO", "confirmed": "on"}
    assert client.post(app_url(grant, app_id, "romaji"), romaji).status_code == 302
    files = {"koseki": _upload("k.pdf", PDF), "photo": _upload("p.jpg", JPEG)}
    files["signature"] = _upload("s.png", png())
    assert client.post(app_url(grant, app_id, "scans"), files).status_code == 302
    return app_id


def _ticks(client, grant, app_id) -> dict[str, str]:
    page = client.get(app_url(grant, app_id)).content.decode()
    names = re.findall(r'name="(item_[a-z_]+|identity_confirmed)"', page)
    assert names, "the review screen shows the checklist"
    return {name: "on" for name in names}


# --- the whole journey ---------------------------------------------------------------------


def test_it_takes_an_application_with_family_and_emergency_contact(served):
    client, clerk, grant = served
    response = enter_application(client, grant)
    app = Application.objects.get(pk=_app_id(response))
    assert (app.state, app.kind, app.channel, app.requested_validity) == (
        "draft",
        "new",
        "paper",
        10,
    )
    people = ApplicationPerson.objects.filter(application=app)
    roles = sorted(people.values_list("role", flat=True))
    assert roles == ["applicant", "emergency_contact", "family_member", "family_member"]
    subjects = set(people.values_list("subject", flat=True))
    assert Subject.objects.filter(pk__in=subjects).count() == 4
    retain = Subject.objects.get(pk=app.applicant).retain_until
    assert retain.year == timezone.localdate().year + 11
    assert set(grant.subjects.values_list("subject", flat=True)) == subjects
    assert list(grant.ticket.applications.all()) == [app]
    stored = gateway.disclose(
        actor=clerk.staff_id,
        subject_id=app.applicant,
        fields=["name_kana", "honseki"],
        purpose="test",
        grant=grant.grant_id,
    )
    assert stored == {"name_kana": "ヤマダ タロウ", "honseki": "東京都豊島区東池袋一丁目1番"}


def test_it_accepts_with_a_reception_number_and_every_disclosure_names_the_grant(served):
    client, clerk, grant = served
    app_id = _ready_to_accept(client, grant)
    review = client.get(app_url(grant, app_id))
    page = review.content.decode()
    assert review.status_code == 200
    assert 'data-testid="watermark"' in page and clerk.staff_id in page
    assert "山田 太郎" in page and "山田 花子" in page and "鈴木 次郎" in page
    assert "03-1234-5678" not in page  # the phone is masked at intake
    assert "16,300円" in page  # a 10-year paper passport: ¥16,300 (FACTS.md)
    response = client.post(app_url(grant, app_id, "accept"), _ticks(client, grant, app_id))
    assert response.status_code == 302, _errors(response)
    app = Application.objects.get(pk=app_id)
    assert app.state == "in_review"
    assert re.fullmatch(rf"13IKB-{timezone.localdate():%Y%m%d}-000001", app.reception_number)
    assert app.accepted_by == clerk.staff_id and app.accepted_at is not None
    assert (app.validity_years, app.fee_national, app.fee_prefectural) == (10, 14000, 2300)
    receipt = client.get(app_url(grant, app_id, "receipt")).content.decode()
    assert app.reception_number in receipt
    action = re.search(r'action="([^"]+)" data-testid="print-receipt"', receipt)
    assert action, "the receipt page offers the 受理票 as a recorded print job"
    printed = client.post(
        action.group(1),
        {
            "grant": grant.grant_id,
            "application": app_id,
            "document": "receipt",
            "reason": "受理票の交付",
            "confirmed": "1",
        },
    )
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    job = PrintJob.objects.get()
    assert (job.document, job.grant_id, job.application_id) == ("receipt", grant.pk, app_id)
    moves = Entry.objects.filter(code="workflow.transition", grant=grant.grant_id)
    assert moves.count() == 3  # created as a draft, accepted, in review
    disclosures = Entry.objects.filter(code="disclosure")
    assert disclosures.exists()
    assert set(disclosures.values_list("grant", flat=True)) == {grant.grant_id}


def test_it_watermarks_every_screen_of_the_work(served):
    client, clerk, grant = served
    app_id = _ready_to_accept(client, grant)
    for method, url in _intake_urls(grant.grant_id, app_id):
        if method != "get" or url.endswith("receipt/"):
            continue
        page = client.get(url).content.decode()
        assert 'data-testid="watermark"' in page, url
        assert f"{clerk.staff_id} / W01 / " in page, url


def test_it_reveals_a_masked_field_only_with_a_reason(served):
    client, _clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    app = Application.objects.get(pk=app_id)
    url = app_url(grant, app_id, "reveal")
    refused = client.post(
        url, {"subject": app.applicant, "field": "phone", "reason": ""}, follow=True
    )
    assert "表示する理由を入力してください" in refused.content.decode()
    shown = client.post(
        url, {"subject": app.applicant, "field": "phone", "reason": "電話番号の記載誤りの確認"}
    )
    assert shown.status_code == 200
    assert "03-1234-5678" in shown.content.decode()
    assert 'data-testid="watermark"' in shown.content.decode()
    entry = Entry.objects.filter(code="disclosure", grant=grant.grant_id).order_by("-seq").first()
    assert "phone" in bytes(entry.data).decode()
    assert "電話番号の記載誤りの確認" in bytes(entry.data).decode()  # the typed reason
    hidden = client.post(
        url, {"subject": app.applicant, "field": "criminal_answers", "reason": "確認のため"}
    )
    assert hidden.status_code == 404


def test_it_hides_what_the_intake_policy_hides(served):
    client, clerk, grant = served
    app_id = _ready_to_accept(client, grant, criminal_record="yes")
    app = Application.objects.get(pk=app_id)
    writes.store(
        actor=clerk.staff_id,
        subject_id=app.applicant,
        values={"other_nationality": "アメリカ合衆国"},
        purpose="test",
        grant=grant.grant_id,
    )
    pages = [
        client.get(app_url(grant, app_id, step)).content.decode() for step in ("", "scans")
    ] + [client.get(f"/counter/work/{grant.grant_id}/").content.decode()]
    for page in pages:
        assert "刑罰等関係" not in page
        assert "外国籍" not in page and "アメリカ合衆国" not in page
        assert "上級審査" not in page and "1〜2か月" not in page  # nothing that betrays a yes
    refused = Entry.objects.filter(code="disclosure", grant=grant.grant_id)
    assert not any("criminal_answers" in bytes(e.data).decode() for e in refused)


def test_it_ends_access_when_the_ticket_closes(served):
    client, clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    app = Application.objects.get(pk=app_id)
    client.post(f"/counter/work/{grant.grant_id}/close/", {"outcome": "done", "confirmed": "1"})
    with pytest.raises(AccessDenied):
        gateway.disclose(
            actor=clerk.staff_id,
            subject_id=app.applicant,
            fields=["name_kanji"],
            purpose="intake",
            grant=grant.grant_id,
        )
    assert Entry.objects.filter(code="disclosure.refused", grant=grant.grant_id).exists()
    assert client.get(app_url(grant, app_id)).status_code == 404


# --- romaji ----------------------------------------------------------------------------------


def test_it_refuses_even_a_plain_spelling_until_it_was_read_back(served):
    client, _, grant = served
    app_id = _app_id(enter_application(client, grant))
    unticked = client.post(app_url(grant, app_id, "romaji"), {"choice": "YAMADA TARO"})
    assert unticked.status_code == 400
    assert "申請者と綴りを確認した" in " ".join(_errors(unticked))
    assert not Application.objects.get(pk=app_id).romaji_confirmed
    ticked = {"choice": "YAMADA TARO", "confirmed": "on"}
    assert client.post(app_url(grant, app_id, "romaji"), ticked).status_code == 302
    assert Application.objects.get(pk=app_id).romaji_confirmed


def test_it_asks_the_clerk_to_confirm_an_uncertain_spelling(served):
    client, clerk, grant = served
    app_id = _app_id(
        enter_application(client, grant, name_kanji="井上 颯汰", name_kana="イノウエ ソウタ")
    )
    page = client.get(app_url(grant, app_id, "romaji")).content.decode()
    assert "INOUE SOTA" in page and "INOUE SOUTA" in page
    assert "確認してください" in page
    unconfirmed = client.post(app_url(grant, app_id, "romaji"), {"choice": "INOUE SOTA"})
    assert "申請者と綴りを確認した" in " ".join(_errors(unconfirmed))
    assert not Application.objects.get(pk=app_id).romaji_confirmed
    done = client.post(
        app_url(grant, app_id, "romaji"), {"choice": "INOUE SOUTA", "confirmed": "on"}
    )
    assert done.status_code == 302
    app = Application.objects.get(pk=app_id)
    assert app.romaji_confirmed
    romaji = gateway.disclose(
        actor=clerk.staff_id,
        subject_id=app.applicant,
        fields=["name_romaji"],
        purpose="test",
        grant=grant.grant_id,
    )
    assert romaji == {"name_romaji": "INOUE SOUTA"}


def test_it_validates_a_requested_non_hepburn_spelling(served):
    client, _clerk, grant = served
    app_id = _app_id(
        enter_application(client, grant, name_kanji="大野 洋子", name_kana="オオノ ヨウコ", sex="F")
    )
    url = app_url(grant, app_id, "romaji")
    wrong = client.post(url, {"written": "OUNO YOKO", "confirmed": "on"})
    assert wrong.status_code == 400 and "長音" in " ".join(_errors(wrong))
    assert client.post(url, {"written": "OHNO YOKO", "confirmed": "on"}).status_code == 302
    assert IntakeRecord.objects.get(application_id=app_id).non_hepburn


def test_it_refuses_a_non_hepburn_spelling_by_proxy(served):
    client, _clerk, grant = served
    app_id = _app_id(
        enter_application(
            client,
            grant,
            name_kanji="大野 洋子",
            name_kana="オオノ ヨウコ",
            proxy="on",
            proxy_relation="spouse",
        )
    )
    response = client.post(
        app_url(grant, app_id, "romaji"), {"written": "OHNO YOKO", "confirmed": "on"}
    )
    assert "代理提出では申請できません" in " ".join(_errors(response))
    assert not Application.objects.get(pk=app_id).romaji_confirmed


# --- refusals: Japanese messages, nothing written --------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name_kana": "やまだ taro"}, "フリガナはカタカナで入力してください"),
        ({"name_kana": "ヤマダタロウ"}, "氏と名の間に空白"),
        ({"birth_date": "2999-01-01"}, "生年月日が未来の日付です"),
        ({"postcode": "17-13"}, "郵便番号は7桁"),
        ({"fm-0-name_kana": "Hanako"}, "フリガナはカタカナで入力してください"),
        ({"fm-1-birth_date": ""}, "この項目を入力してください"),
        ({"ec-phone": ""}, "この項目を入力してください"),
        ({"proxy": "on", "proxy_relation": ""}, "提出者との関係を選んでください"),
        ({"kind": "renewal"}, "現在の旅券番号が必要です"),
    ],
)
def test_it_refuses_bad_input_in_japanese_and_writes_nothing(served, overrides, message):
    client, _clerk, grant = served
    before = _counts()
    response = enter_application(client, grant, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "入力内容に誤りがあります" in response.content.decode()
    assert _counts() == before


def test_it_writes_nothing_when_the_ledger_fails_halfway(served, monkeypatch):
    client, _clerk, grant = served
    from ryoken.errors import LedgerError
    from ryoken.web.access import grants

    def broken(grant, subjects):
        raise LedgerError("disk full", message_ja="監査台帳に記録できません。")

    monkeypatch.setattr(grants, "add_subjects", broken)
    before = _counts()
    response = enter_application(client, grant)
    assert response.status_code == 400
    assert "監査台帳に記録できません" in response.content.decode()
    assert _counts() == before  # the persons already written to the vault were rolled back


def test_it_gives_an_applicant_under_18_only_five_years(served):
    client, _clerk, grant = served
    before = _counts()
    minor = minor_birth_date(timezone.localdate())
    representative = {
        "lr-name_kanji": "山田 花子",
        "lr-name_kana": "ヤマダ ハナコ",
        "lr-relation": "母",
        "lr-address": "東京都豊島区東池袋1-2-3",
        "lr-phone": "03-1234-5678",
    }
    ten = enter_application(client, grant, birth_date=minor, **representative)
    assert ten.status_code == 400
    assert "18歳未満の方は5年旅券のみ" in ten.content.decode()
    without_representative = enter_application(
        client, grant, birth_date=minor, requested_validity="5"
    )
    assert "法定代理人の記入が必要です" in without_representative.content.decode()
    assert _counts() == before
    five = enter_application(
        client, grant, birth_date=minor, requested_validity="5", **representative
    )
    app = Application.objects.get(pk=_app_id(five))
    assert app.validity_years == 5
    people = ApplicationPerson.objects.filter(application=app)
    mother = people.get(role="legal_representative").subject
    # Named in the 戸籍謄本 and as representative: one person with two roles.
    assert mother in people.filter(role="family_member").values_list("subject", flat=True)
    assert Subject.objects.filter(pk__in=people.values("subject")).count() == 4


def _passport(today, *, expires_in_days: int) -> dict[str, str]:
    expiry = today + timedelta(days=expires_in_days)
    return {
        "current_passport_number": "TK1234567",
        "current_passport_issued": expiry.replace(year=expiry.year - 10).isoformat(),
        "current_passport_expiry": expiry.isoformat(),
    }


def test_it_renews_only_on_a_renewal_ground(served):
    client, _clerk, grant = served
    today = timezone.localdate()
    before = _counts()
    early = enter_application(
        client, grant, kind="renewal", **_passport(today, expires_in_days=800)
    )
    assert early.status_code == 400
    assert "残存有効期間が1年以上あり" in early.content.decode()
    assert _counts() == before
    full = enter_application(
        client, grant, kind="renewal", visa_pages_full="on", **_passport(today, expires_in_days=800)
    )
    app = Application.objects.get(pk=_app_id(full))
    assert app.kind == "renewal"
    assert IntakeRecord.objects.get(application=app).visa_pages_full


def test_it_keeps_the_old_expiry_for_a_same_expiry_passport(served):
    client, _clerk, grant = served
    today = timezone.localdate()
    response = enter_application(
        client,
        grant,
        kind="record_change_same_expiry",
        requested_validity="",
        record_changes="name",
        **_passport(today, expires_in_days=1500),
    )
    app = Application.objects.get(pk=_app_id(response))
    assert (app.validity_years, app.expiry_date) == (None, today + timedelta(days=1500))
    review = client.get(app_url(grant, app.pk)).content.decode()
    assert "都道府県手数料が未設定です" in review  # an UNVERIFIED fee is not invented


def test_it_refuses_proxy_submission_the_rules_forbid(served):
    client, _clerk, grant = served
    before = _counts()
    response = enter_application(
        client, grant, proxy="on", proxy_relation="spouse", criminal_record="yes"
    )
    assert response.status_code == 400
    assert "代理提出できません" in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.png", png(padding=6000), "大きすぎます"),
        ("photo.png", b"GIF89a" + b"\x00" * 64, "PNG・JPEG・PDFの画像のみ"),
        ("photo.jpg", b"<html><script>alert(1)</script>", "PNG・JPEG・PDFの画像のみ"),
        ("empty.png", b"", "空です"),
    ],
)
def test_it_refuses_uploads_that_are_not_small_images(served, settings, name, content, message):
    settings.RYOKEN_MAX_SCAN_BYTES = 4096
    client, _clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    before = _counts()
    response = client.post(
        app_url(grant, app_id, "scans"),
        {"photo": _upload(name, content), "signature": _upload("s.png", png())},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "何も保存していません" in response.content.decode()
    assert _counts() == before
    assert not Entry.objects.filter(code="document.scan").exists()


def test_it_records_each_scan_without_its_file_name(served):
    client, _clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    response = client.post(
        app_url(grant, app_id, "scans"), {"photo": _upload("yamada_taro_photo.jpg", JPEG)}
    )
    assert response.status_code == 302
    scan = Entry.objects.get(code="document.scan")
    data = bytes(scan.data).decode()
    assert scan.grant == grant.grant_id and "face_photo" in data and "image/jpeg" in data
    assert "yamada" not in data
    assert IntakeRecord.objects.get(application_id=app_id).scanned == "photo"


def test_it_will_not_accept_before_scans_and_checks(served):
    client, _clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    client.post(app_url(grant, app_id, "romaji"), {"choice": "YAMADA TARO", "confirmed": "on"})
    response = client.post(app_url(grant, app_id, "accept"), _ticks(client, grant, app_id))
    assert response.status_code == 400
    assert "取り込まれていない書類があります" in response.content.decode()
    unticked = client.post(app_url(grant, app_id, "accept"), {})
    assert "本人確認（人違いでないこと）をチェックしてください" in unticked.content.decode()
    app = Application.objects.get(pk=app_id)
    assert (app.state, app.reception_number) == ("draft", None)


# --- access ------------------------------------------------------------------------------------


def _intake_urls(grant_id: str, app_id: int) -> list[tuple[str, str]]:
    base = f"/counter/work/{grant_id}/"
    app = f"{base}app/{app_id}/"
    return [
        ("get", base),
        ("get", base + "new/"),
        ("get", app + "romaji/"),
        ("get", app + "scans/"),
        ("get", app),
        ("post", app + "reveal/"),
        ("post", app + "accept/"),
        ("get", app + "receipt/"),
    ]


def test_it_hides_a_clerks_work_from_a_colleague(served, make_staff, login_as):
    client, clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    colleague = make_staff("counter_clerk", username="hanako")
    login_as(colleague)
    for method, url in _intake_urls(grant.grant_id, app_id):
        assert getattr(client, method)(url).status_code == 404, url
    login_as(clerk)
    assert client.get(app_url(grant, app_id + 1000)).status_code == 404


@pytest.mark.parametrize(
    "role", ["issuance_clerk", "reviewer", "privacy_officer", "auditor", "administrator"]
)
def test_it_denies_the_wrong_roles(served, personas, login_as, role):
    client, _clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    login_as(personas[role])
    for method, url in _intake_urls(grant.grant_id, app_id):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, url)


def test_it_denies_a_stranger(served, stranger, login_as):
    client, _clerk, grant = served
    app_id = _app_id(enter_application(client, grant))
    login_as(stranger)
    for method, url in _intake_urls(grant.grant_id, app_id):
        assert getattr(client, method)(url).status_code == 403, url
    assert not Entry.objects.filter(code="disclosure", actor="stranger").exists()


def test_it_keeps_the_relationship_in_the_vault_only(served):
    _, _, grant = served
    app_id = _app_id(enter_application(served[0], grant))
    people = ApplicationPerson.objects.filter(application_id=app_id)
    assert people.filter(role="emergency_contact").exists()
    assert set(people.values_list("relation", flat=True)) == {""}  # no plaintext 続柄
    contact = people.get(role="emergency_contact").subject
    sealed = Value.objects.get(subject_id=contact, field="relation")
    assert "兄".encode() not in bytes(sealed.ciphertext)
