"""One access decision per screen: `gateway.disclose_screen` decides once, writes all of the
screen's ledger entries in one durable commit, and decrypts only after that commit."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from ryoken.errors import AccessDenied, InvalidInput, LedgerError
from ryoken.web.access.policy import AccessRequest, Decision, ScreenItem, ScreenRequest
from ryoken.web.ledger import store
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway, writes

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [
    {"name_kanji": "山田 花子", "address": "東京都豊島区東池袋1-2-3", "phone": "090-1234-5678"},
    {"name_kanji": "山田 太郎", "address": "東京都豊島区南池袋2-3-4", "phone": "03-1234-5678"},
    {"name_kanji": "佐藤 一郎", "address": "大阪府大阪市北区梅田1-1-1", "phone": "06-1234-5678"},
]


class CountingPolicy:
    """A grant suffices (as `RequireGrant`), counting how often each question is asked."""

    def __init__(self, allow: bool = True) -> None:
        self.screens = 0
        self.singles = 0
        self.allow = allow

    def decide(self, request: AccessRequest) -> Decision:
        self.singles += 1
        return Decision(self.allow, "refused")

    def decide_screen(self, request: ScreenRequest) -> Decision:
        self.screens += 1
        return Decision(self.allow, "refused", links={"step": "test"})


@pytest.fixture
def people(ledger_db, any_grant_will_do) -> list[str]:
    return [writes.create_subject(actor="t", values=v, purpose="t") for v in PEOPLE]


def _screen(people: list[str]) -> dict[str, dict[str, object]]:
    return gateway.disclose_screen(
        actor="clerk-1",
        grant="gr_1",
        terminal="window-3",
        purpose="review",
        items=[
            ScreenItem(s, shown=("name_kanji",), masked=("address",), match_only=("phone",))
            for s in people
        ],
    )


def test_it_writes_the_whole_screen_in_one_durable_commit(people):
    before, entries = store.committer.commits, Entry.objects.count()
    values = _screen(people)
    assert store.committer.commits - before == 1
    # One entry per person and form, as single disclosures record them: shown, then masked.
    new = list(Entry.objects.order_by("seq")[entries:].values_list("code", "subjects"))
    assert new == [("disclosure", s) for s in people for _ in ("shown", "masked")]
    assert values[people[0]] == {"name_kanji": "山田 花子", "address": "東京都豊島区＊＊＊"}
    assert "phone" not in values[people[2]]  # match-only: judged, never read


def test_it_asks_the_policy_once_for_the_whole_screen(people):
    counting = CountingPolicy()
    with gateway.policy_in_use(counting):
        _screen(people)
    assert (counting.screens, counting.singles) == (1, 0)


def test_it_decrypts_nothing_when_the_ledger_cannot_write(people, monkeypatch):
    opened: list[str] = []
    real_open = gateway.open_sealed
    monkeypatch.setattr(
        gateway,
        "open_sealed",
        lambda dek, sid, name, blob: opened.append(name) or real_open(dek, sid, name, blob),
    )

    def disk_full(events):
        raise DatabaseError("disk full")

    with monkeypatch.context() as failing:
        failing.setattr(store, "_append_locked", disk_full)
        with pytest.raises(LedgerError):
            _screen(people)
    assert opened == []
    _screen(people)
    assert len(opened) == 2 * len(people)  # and once the ledger writes, it decrypts


def test_it_records_a_refused_screen_and_shows_nothing(people):
    before = Entry.objects.count()
    with gateway.policy_in_use(CountingPolicy(allow=False)), pytest.raises(AccessDenied):
        _screen(people)
    codes = list(Entry.objects.order_by("seq")[before:].values_list("code", flat=True))
    assert codes == ["disclosure.refused"] * len(people)


def test_it_refuses_a_person_named_twice(people):
    with pytest.raises(InvalidInput):
        gateway.disclose_screen(
            actor="clerk-1",
            grant="gr_1",
            terminal=None,
            purpose="review",
            items=[ScreenItem(people[0], shown=("name_kanji",))] * 2,
        )


def test_it_matches_several_fields_in_one_commit(people):
    before = store.committer.commits
    answers = gateway.match_many(
        actor="clerk-1",
        subject_id=people[0],
        presented={"phone": "09012345678", "name_kanji": "山田 太郎"},
        purpose="pickup:identity",
        grant="gr_1",
    )
    assert answers == {"phone": True, "name_kanji": False}
    assert store.committer.commits - before == 1
    assert list(Entry.objects.order_by("-seq")[:2].values_list("code", flat=True)) == ["match"] * 2
