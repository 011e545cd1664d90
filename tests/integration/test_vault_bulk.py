"""`writes.create_subjects` writes, for each person, what `create_subject` writes: sealed
values that open to the same plaintext, the same blind-index (and derived) tokens, and a
`subject.write` event; in one transaction."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

VALUES = {
    "name_kanji": "髙橋 𠮷男",
    "name_kana": "タカハシ ヨシオ",
    "name_romaji": "TAKAHASHI YOSHIO",
    "birth_date": "1980-02-29",
    "address": "東京都豊島区東池袋1丁目2番3号",
    "postcode": "170-0013",
    "phone": "050-0000-1234",
    "mobile": "090-0000-5678",
    "email": "yoshio@example.jp",
    "passport_number": "TZ1234567",
    "face_photo": "placeholder:face_photo",
}


def test_many_subjects_at_once_are_written_as_one_at_a_time(ledger_db, any_grant_will_do):
    from ryoken.web.ledger.models import Entry
    from ryoken.web.vault import gateway, search, writes
    from ryoken.web.vault.models import Subject, Token, Value

    one = writes.create_subject(actor="system", values=VALUES, purpose="test")
    count = writes.create_subjects(
        [
            writes.NewSubject("ds_bulk1", VALUES),
            writes.NewSubject("ds_bulk2", {"name_kanji": "鈴木 花子"}, canary=True),
        ],
        actor="system",
        purpose="test",
    )
    assert count == 2

    def tokens(subject: str) -> list[tuple[str, str]]:
        return sorted(Token.objects.filter(subject_id=subject).values_list("kind", "token"))

    assert tokens("ds_bulk1") == tokens(one)
    assert sorted(Value.objects.filter(subject_id="ds_bulk1").values_list("field", flat=True)) == (
        sorted(VALUES)
    )
    assert Subject.objects.get(pk="ds_bulk2").canary
    assert search.find_subjects("name_kanji", "高橋 吉男") == sorted([one, "ds_bulk1"])
    written = Entry.objects.filter(code="subject.write").order_by("seq")
    assert [w.subjects for w in written] == [one, "ds_bulk1", "ds_bulk2"]

    # Read back through the gateway's one decryption path.
    shown = gateway.disclose(
        actor="privacy1", subject_id="ds_bulk1", fields=("name_kanji", "birth_date"),
        purpose="test", grant="gr_test",
    )  # fmt: skip
    assert shown == {"name_kanji": VALUES["name_kanji"], "birth_date": VALUES["birth_date"]}


def test_a_bad_field_writes_nobody(ledger_db):
    from ryoken.errors import InvalidInput
    from ryoken.web.ledger.models import Entry
    from ryoken.web.vault import writes
    from ryoken.web.vault.models import Subject

    with pytest.raises(InvalidInput):
        writes.create_subjects(
            [writes.NewSubject("ds_ok", VALUES), writes.NewSubject("ds_bad", {"shoe": "27"})],
            actor="system",
            purpose="test",
        )
    assert not Subject.objects.exists() and not Entry.objects.exists()
