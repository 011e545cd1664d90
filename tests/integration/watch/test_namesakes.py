"""Same surname and same neighbourhood in the web app: tokens the vault derives, compared by
detection with the staff member's own, weighed on top of a read outside any task."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ryoken.audit.events import Event, EventCode
from ryoken.errors import InvalidInput
from ryoken.web.accounts.models import Staff
from ryoken.web.ledger import store
from ryoken.web.vault import keys, search, writes
from ryoken.web.vault.models import Token
from ryoken.web.watch import service, tables
from ryoken.web.watch.models import Case

pytestmark = pytest.mark.django_db(transaction=True)

HOME = "東京都豊島区南長崎3-2-1"


def _person(name: str, address: str) -> str:
    return writes.create_subject(
        actor="system", values={"name_kanji": name, "address": address}, purpose="test"
    )


def _lookup(clerk, subject: str) -> None:
    """A read of one person outside any task."""
    store.record(
        Event(
            code=EventCode.SEARCH,
            at=timezone.now(),
            actor=clerk.staff_id,
            subjects=(subject,),
            fields=("name_kanji",),
            purpose="lookup",
            details={"found": 1},
        )
    )


@pytest.fixture
def clerk(ledger_db, make_staff):
    return make_staff(
        "counter_clerk", display_name="長崎 花子", area_token=keys.municipality_token(HOME)
    )


def test_the_vault_derives_surname_and_municipality_tokens_no_search_can_use(clerk):
    subject = _person("長﨑 太郎", "豊島区南長崎1丁目9番9号")  # variant kanji, no prefecture
    kinds = set(Token.objects.filter(subject_id=subject).values_list("kind", flat=True))
    assert {"surname", "municipality"} <= kinds
    staff = tables.staff_table().filter(staff_id=clerk.staff_id).row(0, named=True)
    row = tables.subjects_table([subject]).row(0, named=True)
    assert row["surname_token"] == staff["surname_token"] is not None
    assert row["area_token"] == staff["area_token"] == clerk.area_token != ""
    kept = str(Staff.objects.filter(pk=clerk.pk).values().get())
    assert "南長崎" not in kept and "豊島" not in kept  # only the token of the home address
    with pytest.raises(InvalidInput):
        search.find_subjects("surname", "長崎")


def test_a_namesake_or_neighbour_read_outside_a_task_weighs_a_stranger_does_not(clerk):
    stranger = _person("佐藤 一郎", "大阪府大阪市北区梅田1-1-1")
    _lookup(clerk, stranger)
    service.run_detection(timezone.now())
    # one ordinary read outside a task is a case since session 7 (the line is 3), and it
    # is a stranger's: no relation weighs
    first = Case.objects.get().detector_list
    assert "unexplained" in first  # (after_hours too when the clock is pinned to the night)
    assert not {"same_surname", "neighbourhood"} & set(first)

    namesake = _person("長崎 次郎", "北海道札幌市中央区北1条西2-1")
    _lookup(clerk, namesake)
    service.run_detection(timezone.now())
    case = Case.objects.get()
    assert case.staff_id == clerk.staff_id
    assert "same_surname" in case.detector_list
    assert "neighbourhood" not in case.detector_list

    neighbour = _person("田中 三郎", "東京都豊島区南長崎6-1-1")
    _lookup(clerk, neighbour)
    service.run_detection(timezone.now())
    assert "neighbourhood" in Case.objects.get().detector_list
