"""What the desk and the assist write is what detection reads (docs/events.md, schema v2):
the ledger of a callback inquiry, a supervisor's assist and a loss-report search, read back
as detection reads it, explains every access they made."""

from __future__ import annotations

import pytest

from ryoken.audit.events import decode_entry
from ryoken.detect.config import DetectConfig
from ryoken.detect.explain import explain, prepare
from ryoken.detect.load import events_from_ledger
from ryoken.web.ledger.models import Entry

from .helpers import HOLDER, make_application, make_person

pytestmark = pytest.mark.office_hours


def _explained(actor: str) -> dict[str, list[bool]]:
    events = [
        decode_entry(bytes(d))[1]
        for d in Entry.objects.order_by("seq").values_list("data", flat=True)
    ]
    result = explain(prepare(events_from_ledger(events), DetectConfig()), DetectConfig())
    rows = result.access.filter(result.access["actor"] == actor)
    out: dict[str, list[bool]] = {}
    for code, ok in zip(rows["code"].to_list(), rows["explained"].to_list(), strict=True):
        out.setdefault(code, []).append(ok)
    return out


def test_detection_explains_a_supervisors_assist(login_as, personas, at_pickup):
    _, grant = at_pickup
    supervisor = personas["supervisor"]
    client = login_as(supervisor)
    client.post(f"/desk/assist/{grant.grant_id}/join/", {"reason": "応援"})
    assert client.get(f"/desk/assist/{grant.grant_id}/").status_code == 200
    seen = _explained(supervisor.staff_id)
    assert seen["disclosure"] and all(seen["disclosure"])


def test_detection_explains_a_callback_inquiry_and_its_result_list(ledger_db, login_as, personas):
    holder = make_person({**HOLDER, "phone": "03-1234-5678"})
    make_application(holder)
    clerk = personas["counter_clerk"]
    client = login_as(clerk)
    response = client.post(
        "/desk/inquiry/open/",
        {"kind": "phone", "reason": "受取日の確認", "reception": "", "callback": "03-1234-5678"},
    )
    grant_id = response["Location"].rstrip("/").split("/")[-1]
    client.post(f"/desk/inquiry/{grant_id}/search/", {"callback": "03-1234-5678"})
    client.post(f"/desk/inquiry/{grant_id}/choose/", {"candidate": 0})
    assert client.get(f"/desk/inquiry/{grant_id}/").status_code == 200
    seen = _explained(clerk.staff_id)
    assert seen["search"] == [True]
    assert seen["disclosure"] == [True, True]  # status shown, reading masked: inside purpose
