"""The checks the journey relies on must be able to fail: pages and ledgers that break them.

No browser here: pages are written the way the templates write them, and ledger entries
are recorded directly (as a code path that bypassed the gateway's grant check would).
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from .policy_check import screen_violations, unexplained_disclosures

PEOPLE = {
    "applicant": {
        "name_kanji": "佐藤 花子",
        "birth_date": "1988-11-23",
        "address": "東京都豊島区西池袋3-21-7",
        "email": "hanako.sato@example.jp",
        "criminal_answers": "no",
        "koseki_image": b"\x89PNG\r\n\x1a\nkoseki-bytes",
    }
}


def row(name: str, text: str, exposure: str = "") -> str:
    extra = f' data-exposure="{exposure}"' if exposure else ""
    return f'<dt>label</dt><dd data-testid="row-{name}"{extra}>{text}</dd>'


def fields(violations) -> set[tuple[str, str]]:
    return {(v.person, v.field) for v in violations}


def test_it_passes_a_review_page_that_shows_what_review_may_see():
    page = row("name_kanji", "佐藤 花子", "shown") + row("address", "東京都豊島区＊＊＊", "masked")
    assert screen_violations(page, "review", PEOPLE) == []


def test_it_flags_a_hidden_value_anywhere_in_the_page():
    page = '<input type="hidden" value="hanako.sato@example.jp">'
    assert fields(screen_violations(page, "review", PEOPLE)) == {("applicant", "email")}


def test_it_flags_a_masked_address_shown_in_full_or_by_its_hidden_part():
    for text in ("東京都豊島区西池袋3-21-7", "豊島区西池袋3-21-7", "西池袋3-21-7"):
        found = screen_violations(f"<p>{text}</p>", "review", PEOPLE)
        assert fields(found) == {("applicant", "address")}, text


def test_it_lets_a_revealed_field_show_in_full_on_its_page():
    page = "<p>東京都豊島区西池袋3-21-7</p>"
    assert screen_violations(page, "review", PEOPLE, revealed={("applicant", "address")}) == []


def test_it_flags_a_match_only_birth_date_in_any_way_it_could_be_written():
    for text in ("1988-11-23", "1988年11月23日", "1988/11/23", "881123"):
        found = screen_violations(f"<td>{text}</td>", "pickup", PEOPLE)
        assert fields(found) == {("applicant", "birth_date")}, text


def test_it_flags_an_image_the_step_hides():
    data = base64.b64encode(PEOPLE["applicant"]["koseki_image"]).decode()
    page = f'<img src="data:image/png;base64,{data}">'
    assert fields(screen_violations(page, "pickup", PEOPLE)) == {("applicant", "koseki_image")}
    assert screen_violations(page, "review", PEOPLE) == []


def test_it_flags_a_row_for_a_field_the_step_hides_even_when_the_value_is_too_short():
    by_label = "<dl><dt>刑罰等関係</dt><dd>いいえ</dd></dl>"
    by_testid = row("criminal_answers", "いいえ")
    for page in (by_label, by_testid):
        assert fields(screen_violations(page, "intake", PEOPLE)) == {("(row)", "criminal_answers")}
    assert screen_violations(by_label, "senior_review", PEOPLE) == []


def test_it_flags_a_row_more_exposed_than_the_policy_allows():
    page = row("address", "東京都豊島区＊＊＊", "shown")
    assert fields(screen_violations(page, "review", PEOPLE)) == {("(row)", "address")}


def test_it_allows_no_personal_value_on_a_screen_without_a_step():
    assert fields(screen_violations("<p>佐藤 花子</p>", None, PEOPLE)) == {
        ("applicant", "name_kanji")
    }
    assert screen_violations("<p>整理券 A-001</p>", None, PEOPLE) == []


# --- the ledger check ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_explains_a_disclosure_by_its_grant_and_flags_every_other_kind(ledger_db, make_staff):
    from django.utils import timezone

    from ryoken.audit.events import Event, EventCode
    from ryoken.privacy.policy import Step
    from ryoken.web.access import grants
    from ryoken.web.ledger import store

    alice = make_staff("counter_clerk", username="alice")
    opened = timezone.now()
    grant = grants.open_grant(
        staff=alice, kind="counter", step=Step.INTAKE, subjects=["ds_a"], minutes=60, now=opened
    )

    def disclosure(actor: str, subject: str, grant_id: str | None, seconds: int) -> Event:
        return Event(
            code=EventCode.DISCLOSURE,
            at=opened + timedelta(seconds=seconds),
            actor=actor,
            subjects=(subject,),
            fields=("name_kanji",),
            purpose="intake",
            grant=grant_id,
        )

    store.record(disclosure("alice", "ds_a", grant.grant_id, 1))
    assert unexplained_disclosures().problems == []
    later = grants.open_grant(
        staff=alice, kind="counter", step=Step.INTAKE, subjects=["ds_a"], minutes=60, now=opened
    )
    grants.close_grant(later, now=opened + timedelta(seconds=10))

    store.record(
        disclosure("alice", "ds_a", None, 2),  # no grant
        disclosure("bob", "ds_a", grant.grant_id, 3),  # someone else's grant
        disclosure("alice", "ds_b", grant.grant_id, 4),  # a person the grant does not cover
        disclosure("alice", "ds_a", grant.grant_id, -60),  # before the grant opened
        disclosure("alice", "ds_a", grant.grant_id, 2 * 3600),  # after it expired
        disclosure("alice", "ds_a", later.grant_id, 20),  # after the ticket closed
    )
    check = unexplained_disclosures()
    assert check.checked["disclosure"] == 7
    assert len(check.problems) == 6, check.problems
