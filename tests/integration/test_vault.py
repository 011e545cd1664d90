"""The vault gateway: ledger first, then decrypt; match without revealing; fail closed."""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.db import connection

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import AccessDenied, KeyUnavailable, LedgerError, RyokenError
from ryoken.web.ledger import audit, checkpoints, store
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway, keys, search, writes
from ryoken.web.vault.models import Subject, Value
from ryoken.web.vault.operations import rotate_keys, run_retention

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _any_grant(any_grant_will_do):
    """These tests are about the gateway; grants are tested with the counter."""


HANAKO = {
    "name_kanji": "山田 花子",
    "name_kana": "ヤマダ ハナコ",
    "birth_date": "1990-04-01",
    "address": "東京都豊島区東池袋1-2-3",
    "phone": "090-1234-5678",
    "passport_number": "TK1234567",
    "face_photo": b"\x89PNG fake photo bytes",
}


def _subject(values=None, **extra) -> str:
    return writes.create_subject(
        actor="clerk-1", values=values or HANAKO, purpose="intake", **extra
    )


def _disclose(subject_id: str, fields, grant="grant-1"):
    return gateway.disclose(
        actor="clerk-1",
        subject_id=subject_id,
        fields=fields,
        purpose="intake",
        grant=grant,
        terminal="window-3",
    )


def test_it_discloses_after_recording_which_fields_were_shown(ledger_db):
    sid = _subject()
    shown = _disclose(sid, ["name_kanji", "address", "face_photo"])
    assert shown == {
        "name_kanji": "山田 花子",
        "address": "東京都豊島区東池袋1-2-3",
        "face_photo": HANAKO["face_photo"],
    }
    last = Entry.objects.order_by("-seq").first()
    assert last.code == "disclosure" and last.subjects == sid and last.actor == "clerk-1"
    data = bytes(last.data)
    assert b"name_kanji" in data and b"address" in data
    assert "山田".encode() not in data and "豊島区".encode() not in data


def test_it_keeps_personal_data_as_ciphertext_at_rest(ledger_db):
    sid = _subject()
    for blob in Value.objects.filter(subject_id=sid).values_list("ciphertext", flat=True):
        raw = bytes(blob)
        assert "山田".encode() not in raw and b"TK1234567" not in raw and b"PNG" not in raw


def test_it_refuses_without_a_grant_and_records_the_refusal(ledger_db):
    sid = _subject()
    with pytest.raises(AccessDenied):
        _disclose(sid, ["name_kanji"], grant=None)
    assert Entry.objects.order_by("-seq").first().code == "disclosure.refused"


def test_it_answers_match_without_revealing_the_value(ledger_db):
    sid = _subject()
    ask = {"actor": "clerk-2", "subject_id": sid, "purpose": "pickup", "grant": "grant-7"}
    assert gateway.match(field_name="passport_number", presented="tk１２３４５６７", **ask)
    assert not gateway.match(field_name="passport_number", presented="TK7654321", **ask)
    assert gateway.match(field_name="birth_date", presented="1990/4/1", **ask)
    results = [
        bytes(d)
        for d in Entry.objects.filter(code="match").order_by("seq").values_list("data", flat=True)
    ]
    assert len(results) == 3
    # The presented values never reach the ledger (the subject id is random base32, so a
    # bare "TK" could occur in it by chance: look for the values themselves).
    logged = b"".join(results)
    assert b"no_match" in results[1]
    assert b"TK7654321" not in logged and b"TK1234567" not in logged
    assert b"1990/4/1" not in logged and b"1990-04-01" not in logged


def test_it_refuses_to_disclose_when_the_ledger_cannot_record(ledger_db):
    sid = _subject()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_insert BEFORE INSERT ON ledger_entry "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk full'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_insert BEFORE INSERT ON ledger_entry "
                "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
            )
    try:
        with pytest.raises(LedgerError) as refused:
            _disclose(sid, ["name_kanji"])
        assert "山田" not in str(refused.value)
        assert refused.value.message_ja.startswith("監査台帳")
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER refuse_insert")
            else:
                cursor.execute("DROP TRIGGER refuse_insert ON ledger_entry")
                cursor.execute("DROP FUNCTION refuse_insert()")


def test_it_refuses_a_value_moved_to_another_person(ledger_db):
    alice, bob = _subject(), _subject({"name_kanji": "鈴木 一郎"})
    stolen = Value.objects.get(subject_id=alice, field="name_kanji").ciphertext
    Value.objects.filter(subject_id=bob, field="name_kanji").update(ciphertext=stolen)
    with pytest.raises(RyokenError):
        _disclose(bob, ["name_kanji"])


def test_it_refuses_a_value_moved_to_another_field(ledger_db):
    sid = _subject()
    moved = Value.objects.get(subject_id=sid, field="address").ciphertext
    Value.objects.filter(subject_id=sid, field="name_kanji").update(ciphertext=moved)
    with pytest.raises(RyokenError):
        _disclose(sid, ["name_kanji"])


def test_it_rotates_the_key_encryption_key_online(ledger_db):
    sids = [_subject() for _ in range(3)]
    old = keys.keyring().current_kek_id()
    result = rotate_keys(actor="admin-1")
    assert result.old_kek == old and result.new_kek != old
    assert result.rewrapped == 3 and result.retired
    assert set(Subject.objects.values_list("kek_id", flat=True)) == {result.new_kek}
    for sid in sids:
        assert _disclose(sid, ["name_kanji"])["name_kanji"] == "山田 花子"
    assert Entry.objects.filter(code="key.rotate").count() == 1


def test_it_shreds_subjects_past_retention_but_keeps_the_ledger_valid(ledger_db):
    # RequireGrant lets any grant name through; the ledger must still show it opened, or
    # `ryoken audit verify` reports the disclosures (grant integrity).
    store.record(
        Event(
            code=EventCode.GRANT_OPEN,
            at=clock.now(),
            actor="clerk-1",
            purpose="intake",
            grant="grant-1",
        )
    )
    old = _subject(retain_until=date(2020, 1, 1))
    held = _subject(retain_until=date(2020, 1, 1))
    Subject.objects.filter(pk=held).update(legal_hold=True)
    current = _subject(retain_until=date(2099, 1, 1))
    _disclose(old, ["name_kanji"])
    result = run_retention(actor="system", today=date(2026, 11, 26))
    assert result.shredded == [old] and result.held == 1
    with pytest.raises(KeyUnavailable):
        _disclose(old, ["name_kanji"])
    assert _disclose(held, ["name_kanji"])["name_kanji"] == "山田 花子"
    assert _disclose(current, ["name_kanji"])["name_kanji"] == "山田 花子"
    assert search.find_subjects("phone", "09012345678") == sorted([held, current])
    checkpoints.create_checkpoint()
    assert audit.verify().ok


def test_it_finds_people_by_blind_index(ledger_db):
    sid = _subject()
    assert search.find_subjects("passport_number", "tk1234567") == [sid]
    assert search.find_subjects("name_kana", "やまだ はなこ") == [sid]
    assert search.find_subjects("name_kanji", "佐藤 一郎") == []


def test_it_stops_with_a_clear_message_when_the_keyring_is_missing(ledger_db):
    sid = _subject()
    os.remove(keys.keyring_path())
    keys.forget_cached_keys()
    with pytest.raises(RyokenError, match="keyring"):
        _disclose(sid, ["name_kanji"])
    assert store.ledger_size() >= 1


def test_it_masks_inside_the_vault_and_records_the_form(ledger_db):
    sid = _subject()
    shown = gateway.disclose(
        actor="clerk-1",
        subject_id=sid,
        fields=["address", "phone"],
        purpose="intake",
        grant="grant-1",
        masked=True,
    )
    assert shown == {"address": "東京都豊島区＊＊＊", "phone": "090-＊＊＊＊-5678"}
    last = bytes(Entry.objects.order_by("-seq").first().data)
    assert b'"form":"masked"' in last


def test_it_records_the_reason_of_a_reveal(ledger_db):
    sid = _subject()
    gateway.disclose(
        actor="clerk-1",
        subject_id=sid,
        fields=["phone"],
        purpose="intake",
        grant="grant-1",
        reason="申請者から連絡先の確認を求められたため",
    )
    last = bytes(Entry.objects.order_by("-seq").first().data)
    assert "連絡先の確認".encode() in last and b'"form":"shown"' in last
