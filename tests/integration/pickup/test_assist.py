"""A supervisor's assist at a colleague's window (応援, schema v2 `grant.assist`).

The issuance clerk has a pickup ticket called to P01 (`at_pickup`); the supervisor joins.
"""

from __future__ import annotations

import pytest

from ryoken.errors import AccessDenied, LedgerError
from ryoken.web.access import grants
from ryoken.web.access.models import GrantAssist
from ryoken.web.counter.desk import assist
from ryoken.web.ledger import store
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway

from .helpers import HOLDER, ledger_events

pytestmark = pytest.mark.office_hours

REASON = "本人確認で判断に迷うため"


def _join(client, grant, reason: str = REASON):
    return client.post(f"/desk/assist/{grant.grant_id}/join/", {"reason": reason})


def test_it_ledgers_the_assist_before_the_supervisor_sees_anything(
    login_as, personas, issuer, ready_app, at_pickup
):
    ticket, grant = at_pickup
    supervisor = personas["supervisor"]
    client = login_as(supervisor)
    board = client.get("/desk/assist/").content.decode()
    assert ticket.number in board and "山田" not in board  # the board shows no person
    assert client.get(f"/desk/assist/{grant.grant_id}/").status_code == 404  # not joined yet
    assert ledger_events("disclosure", actor=supervisor.staff_id) == []

    response = _join(client, grant)
    assert response.status_code == 302
    (joined,) = ledger_events("grant.assist")
    assert joined.actor == supervisor.staff_id and joined.grant == grant.grant_id
    assert joined.details == {
        "host": issuer.staff_id,
        "ticket": ticket.number,
        "reason": REASON,
        "kind": "counter",
    }
    assert joined.subjects == tuple(sorted(grant.subjects.values_list("subject", flat=True)))
    assert ledger_events("disclosure", actor=supervisor.staff_id) == []

    html = client.get(response["Location"]).content.decode()
    assert HOLDER["name_kanji"] in html  # the pickup step shows the name
    assert HOLDER["passport_number"] not in html and HOLDER["birth_date"] not in html
    assert 'data-testid="watermark"' in html
    shown = ledger_events("disclosure", actor=supervisor.staff_id)
    assert shown and all(e.grant == grant.grant_id for e in shown)
    assert all(e.purpose == "pickup:assist" and e.terminal == "P01" for e in shown)
    assist_seq = Entry.objects.get(code="grant.assist").seq
    assert all(
        seq > assist_seq
        for seq in Entry.objects.filter(code="disclosure", actor=supervisor.staff_id).values_list(
            "seq", flat=True
        )
    )


def test_it_shows_nothing_when_the_ledger_cannot_record(login_as, personas, at_pickup, monkeypatch):
    _, grant = at_pickup
    client = login_as(personas["supervisor"])
    _join(client, grant)

    def broken(*events):
        raise LedgerError("disk full", message_ja="監査台帳に記録できません。")

    monkeypatch.setattr(store, "record", broken)
    client.raise_request_exception = False
    response = client.get(f"/desk/assist/{grant.grant_id}/")
    assert response.status_code == 503
    assert HOLDER["name_kanji"] not in response.content.decode()


def test_it_refuses_a_join_when_the_ledger_cannot_record(personas, at_pickup, monkeypatch):
    _, grant = at_pickup

    def broken(*events):
        raise LedgerError("disk full")

    monkeypatch.setattr(store, "record_in_transaction", broken)
    with pytest.raises(LedgerError):
        assist.join_assist(staff=personas["supervisor"], grant_id=grant.grant_id)
    assert not GrantAssist.objects.exists()


def test_it_ends_the_assist_when_the_supervisor_leaves(login_as, personas, at_pickup, ready_app):
    _, grant = at_pickup
    supervisor = personas["supervisor"]
    client = login_as(supervisor)
    _join(client, grant)
    assert client.post(f"/desk/assist/{grant.grant_id}/leave/").status_code == 302
    (left,) = ledger_events("grant.assist_end")
    assert left.actor == supervisor.staff_id and left.grant == grant.grant_id
    assert client.get(f"/desk/assist/{grant.grant_id}/").status_code == 404
    with pytest.raises(AccessDenied):  # the gateway refuses too, and says so in the ledger
        gateway.disclose(
            actor=supervisor.staff_id,
            subject_id=ready_app.applicant,
            fields=["name_kanji"],
            purpose="pickup",
            grant=grant.grant_id,
        )
    assert ledger_events("disclosure.refused", actor=supervisor.staff_id)


def test_it_ends_the_assist_when_the_host_grant_closes(login_as, personas, at_pickup):
    _, grant = at_pickup
    client = login_as(personas["supervisor"])
    _join(client, grant)
    grants.close_grant(grant)
    assert GrantAssist.objects.get().ended_at == grant.closed_at
    assert client.get(f"/desk/assist/{grant.grant_id}/").status_code == 404
    assert ledger_events("grant.assist_end") == []  # the close says it


def test_it_cannot_join_a_closed_grant(login_as, personas, at_pickup):
    _, grant = at_pickup
    grants.close_grant(grant)
    client = login_as(personas["supervisor"])
    assert _join(client, grant).status_code == 404
    assert ledger_events("grant.assist") == [] and not GrantAssist.objects.exists()


def test_it_records_one_assist_when_joined_twice(login_as, personas, at_pickup):
    _, grant = at_pickup
    client = login_as(personas["supervisor"])
    _join(client, grant)
    _join(client, grant, reason="")
    assert len(ledger_events("grant.assist")) == 1


def test_a_supervisor_cannot_assist_at_their_own_grant(personas, make_staff, ready_app):
    from .helpers import call_pickup

    supervisor = personas["supervisor"]
    _, own = call_pickup(ready_app, supervisor)
    with pytest.raises(AccessDenied):
        assist.join_assist(staff=supervisor, grant_id=own.grant_id)


@pytest.mark.parametrize(
    "role",
    ["counter_clerk", "issuance_clerk", "reviewer", "privacy_officer", "auditor", "administrator"],
)
def test_only_a_supervisor_may_assist(login_as, personas, at_pickup, role):
    _, grant = at_pickup
    client = login_as(personas[role])
    assert client.get("/desk/assist/").status_code == 403
    assert _join(client, grant).status_code == 403
    assert client.get(f"/desk/assist/{grant.grant_id}/").status_code == 403
    with pytest.raises(AccessDenied):
        assist.join_assist(staff=personas[role], grant_id=grant.grant_id)
    assert ledger_events("grant.assist") == []


def test_it_denies_a_stranger(login_as, stranger, at_pickup):
    _, grant = at_pickup
    client = login_as(stranger)
    assert client.get("/desk/assist/").status_code == 403
    assert _join(client, grant).status_code == 403
    assert client.get(f"/desk/assist/{grant.grant_id}/").status_code == 403
    assert ledger_events("grant.assist") == []


def test_another_supervisor_does_not_ride_on_a_colleagues_assist(
    login_as, personas, make_staff, at_pickup
):
    _, grant = at_pickup
    _join(login_as(personas["supervisor"]), grant)
    other = make_staff("supervisor", username="super2")
    assert login_as(other).get(f"/desk/assist/{grant.grant_id}/").status_code == 404


def test_audit_verify_takes_the_assist_for_what_the_gateway_allows(login_as, personas, at_pickup):
    """The supervisor's disclosures under the host grant keep grant integrity (the rule
    `ryoken audit verify` and detection apply); the same after leaving do not."""
    from ryoken.audit.grants import grant_violations

    _, grant = at_pickup
    supervisor = personas["supervisor"]
    client = login_as(supervisor)
    client.get(_join(client, grant)["Location"])
    assert Entry.objects.filter(code="disclosure", actor=supervisor.staff_id).exists()
    rows = Entry.objects.order_by("seq").values_list("seq", "code", "actor", "grant")
    assert grant_violations((s, c, a, g or None) for s, c, a, g in rows) == []
    client.post(f"/desk/assist/{grant.grant_id}/leave/")
    forged = [(10**9, "disclosure", supervisor.staff_id, grant.grant_id)]
    found = grant_violations([*((s, c, a, g or None) for s, c, a, g in rows.all()), *forged])
    assert [seq for seq, _ in found] == [10**9]
