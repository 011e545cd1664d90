"""Break-glass: a long reason and a fresh step-up, a few minutes of access, then a
supervisor's verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ryoken.errors import AccessDenied
from ryoken.web.access.models import Grant
from ryoken.web.casework.models import BreakGlassReview
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway
from ryoken.web.watch.models import Case

from .conftest import APPLICANT, FAMILY, ledger_codes

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "緊急連絡先から本人の所在確認の依頼があり、警察の要請に基づき連絡先を確認するため"


def _open(client, purpose="status_inquiry", **target):
    return client.post("/casework/breakglass/", {"reason": REASON, "purpose": purpose, **target})


def test_it_refuses_a_short_reason_before_looking_anyone_up(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["counter_clerk"])
    response = client.post(
        "/casework/breakglass/",
        {
            "reason": "急ぎ確認",
            "purpose": "status_inquiry",
            "reception_number": app.reception_number,
        },
    )
    assert response.status_code == 400
    assert "理由を20文字以上で具体的に入力してください" in response.content.decode()
    assert not Grant.objects.filter(kind="break_glass").exists()
    assert ledger_codes(code="search") == []


def test_it_needs_a_fresh_step_up(client, personas, login_as, make_application):
    app = make_application()
    login_as(personas["counter_clerk"])
    session = client.session
    session["ryoken_step_up_at"] = 0
    session.save()
    response = _open(client, reception_number=app.reception_number)
    assert response.status_code == 302 and "/reauth/" in response["Location"]
    assert not Grant.objects.filter(kind="break_glass").exists()


def test_it_opens_a_time_limited_grant_over_the_applicant_only(
    client, personas, login_as, make_application, monkeypatch
):
    monkeypatch.setenv("RYOKEN_BREAKGLASS_MINUTES", "7")
    app = make_application()
    reviewer = personas["reviewer"]
    login_as(reviewer)
    response = _open(client, "urgent_contact", reception_number=app.reception_number)
    assert response.status_code == 302
    grant = Grant.objects.get(kind="break_glass")
    assert grant.staff == reviewer and grant.step == "break_glass" and grant.reason == REASON
    assert grant.purpose == "urgent_contact"
    assert list(grant.subjects.values_list("subject", flat=True)) == [app.applicant]
    assert timedelta(minutes=6) < grant.expires_at - grant.opened_at <= timedelta(minutes=7)
    entry = Entry.objects.get(code="breakglass.open")
    assert entry.grant == grant.grant_id and REASON in bytes(entry.data).decode()
    search = Entry.objects.get(code="search")  # the lookup by number is ledgered too
    assert '"reception_number"' in bytes(search.data).decode()

    page = client.get(response["Location"]).content.decode()
    assert APPLICANT["name_kanji"] in page and APPLICANT["phone"] in page
    assert FAMILY["name_kanji"] not in page  # not the family
    for hidden in ("birth_date", "address", "passport_number", "previous_passport"):
        assert f"row-{hidden}" not in page, hidden  # not what contacting needs
    assert 'data-testid="watermark"' in page

    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(response["Location"]).status_code == 404  # time is up


def test_it_shows_a_counter_clerk_only_the_name_for_a_status_inquiry(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["counter_clerk"])
    response = _open(client, reception_number=app.reception_number)
    page = client.get(response["Location"]).content.decode()
    assert APPLICANT["name_kanji"] in page
    for value in ("phone", "mobile", "email", "birth_date", "address"):
        assert APPLICANT[value] not in page, value
    grant = Grant.objects.get(kind="break_glass")
    with pytest.raises(AccessDenied):  # the gateway too, not only the screen
        gateway.disclose(
            actor=personas["counter_clerk"].staff_id,
            subject_id=app.applicant,
            fields=("phone",),
            purpose="break_glass",
            grant=grant.grant_id,
        )


def test_it_refuses_a_purpose_the_role_may_not_use_and_ledgers_it(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["counter_clerk"])
    response = _open(client, "urgent_contact", reception_number=app.reception_number)
    assert response.status_code == 400
    assert not Grant.objects.filter(kind="break_glass").exists()
    assert ledger_codes(code="access.denied") == ["access.denied"]
    assert ledger_codes(code="search") == []  # refused before any lookup


def test_it_reads_the_purposes_from_configuration(
    client, personas, login_as, make_application, monkeypatch
):
    monkeypatch.setenv("RYOKEN_BREAKGLASS_PURPOSES", "counter_clerk=")
    app = make_application()
    login_as(personas["counter_clerk"])
    assert _open(client, reception_number=app.reception_number).status_code == 400
    monkeypatch.setenv("RYOKEN_BREAKGLASS_PURPOSES", "counter_clerk=status_inquiry,urgent_contact")
    assert _open(client, "urgent_contact", reception_number=app.reception_number).status_code == 302


def test_it_keeps_one_open_at_a_time_and_a_few_a_day(
    client, personas, login_as, make_application, monkeypatch
):
    monkeypatch.setenv("RYOKEN_BREAKGLASS_PER_DAY", "2")
    apps = [make_application() for _ in range(3)]
    login_as(personas["reviewer"])
    first = _open(client, reception_number=apps[0].reception_number)
    assert first.status_code == 302
    second = _open(client, reception_number=apps[1].reception_number)
    assert second.status_code == 400 and "同時に1件まで" in second.content.decode()
    client.post(first["Location"] + "close/")
    assert _open(client, reception_number=apps[1].reception_number).status_code == 302
    Grant.objects.filter(kind="break_glass").update(closed_at=timezone.now())
    third = _open(client, reception_number=apps[2].reception_number)
    assert third.status_code == 400 and "本日の緊急アクセスの上限" in third.content.decode()
    assert Grant.objects.filter(kind="break_glass").count() == 2
    assert len(ledger_codes(code="access.denied")) == 2


def test_it_opens_a_case_at_once_when_counter_staff_break_glass(
    client, personas, login_as, make_application
):
    app = make_application()
    clerk = personas["counter_clerk"]
    login_as(clerk)
    _open(client, reception_number=app.reception_number)
    case = Case.objects.get(staff_id=clerk.staff_id)
    assert case.detector_list == ["breakglass_counter"]
    opened = Entry.objects.get(code="breakglass.open")
    assert case.seqs == [opened.seq]
    assert ledger_codes(code="alert.triage") == ["alert.triage"]


def test_it_limits_lookups_and_alerts_on_a_run_of_misses(
    client, personas, login_as, make_application, monkeypatch
):
    monkeypatch.setenv("RYOKEN_BREAKGLASS_LOOKUPS_PER_HOUR", "4")
    app = make_application()
    reviewer = personas["reviewer"]
    login_as(reviewer)
    for n in range(2, 5):  # guessing the numbers next to a real one
        guess = app.reception_number[:-1] + str(n)
        assert _open(client, reception_number=guess).status_code == 400
    assert len(ledger_codes(code="search")) == 3
    case = Case.objects.get(staff_id=reviewer.staff_id)
    assert case.detector_list == ["lookup_misses"] and len(case.seqs) == 3
    assert _open(client, reception_number=app.reception_number).status_code == 302
    Grant.objects.filter(kind="break_glass").update(closed_at=timezone.now())
    refused = _open(client, reception_number=app.reception_number)
    assert refused.status_code == 400 and "照会の上限" in refused.content.decode()
    assert len(ledger_codes(code="search")) == 4


def test_it_shows_a_contractors_break_glass_only_after_a_supervisor_cosigns(
    client, make_staff, personas, login_as, make_application
):
    app = make_application()
    clerk = make_staff(
        "counter_clerk", username="vendor1", employer="窓口委託", employer_kind="contractor"
    )
    login_as(clerk)
    opened = client.get("/casework/breakglass/").content.decode()
    assert 'data-testid="cosign-note"' in opened
    response = _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    assert grant.cosign_required and not grant.cosigned_by
    waiting = client.get(response["Location"]).content.decode()
    assert 'data-testid="waiting-cosign"' in waiting and APPLICANT["name_kanji"] not in waiting
    assert ledger_codes(code="disclosure") == []

    login_as(personas["supervisor"])
    queue = client.get("/casework/breakglass/reviews/").content.decode()
    assert f"cosign-{grant.grant_id}" in queue
    # the purpose in words, not its code
    from ryoken.web.casework import breakglass_policy as bg_policy

    assert str(bg_policy.PURPOSE_LABELS[grant.purpose]) in queue
    assert f"<td>{grant.purpose}</td>" not in queue
    assert client.post(f"/casework/breakglass/cosign/{grant.grant_id}/").status_code == 302
    grant.refresh_from_db()
    assert grant.cosigned_by == personas["supervisor"].staff_id

    login_as(clerk)
    shown = client.get(response["Location"]).content.decode()
    assert APPLICANT["name_kanji"] in shown
    cosign = Entry.objects.filter(code="breakglass.review", actor=grant.cosigned_by).get()
    assert '"cosigned":true' in bytes(cosign.data).decode()


def test_it_refuses_a_cosign_by_anyone_but_a_supervisor(
    client, make_staff, personas, login_as, make_application
):
    app = make_application()
    clerk = make_staff(
        "counter_clerk", username="vendor2", employer="窓口委託", employer_kind="contractor"
    )
    login_as(clerk)
    _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    login_as(personas["reviewer"])
    assert client.post(f"/casework/breakglass/cosign/{grant.grant_id}/").status_code == 403
    login_as(clerk)
    assert client.post(f"/casework/breakglass/cosign/{grant.grant_id}/").status_code == 403
    grant.refresh_from_db()
    assert not grant.cosigned_by


def test_it_finds_a_person_by_name_and_birth_date_and_records_the_search(
    client, personas, login_as, make_application
):
    app = make_application()
    make_application(applicant={"birth_date": "1991-01-01"})  # same name, another person
    login_as(personas["reviewer"])
    response = _open(
        client, "identify_person", name_kanji=APPLICANT["name_kanji"], birth_date="平成2年4月1日"
    )
    assert response.status_code == 302
    grant = Grant.objects.get(kind="break_glass")
    assert list(grant.subjects.values_list("subject", flat=True)) == [app.applicant]
    search = Entry.objects.get(code="search")
    assert search.subjects == app.applicant


def test_it_says_when_nobody_matches(client, personas, login_as, make_application):
    make_application()
    login_as(personas["reviewer"])
    response = _open(client, passport_number="ZZ0000001")
    assert response.status_code == 400
    assert "該当する方が見つかりません" in response.content.decode()
    assert ledger_codes(code="search") == ["search"]


def test_it_queues_every_use_for_a_supervisor_who_marks_it(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["issuance_clerk"])
    used = _open(client, reception_number=app.reception_number)
    client.get(used["Location"])
    grant = Grant.objects.get(kind="break_glass")

    login_as(personas["supervisor"])
    queue = client.get("/casework/breakglass/reviews/").content.decode()
    assert grant.grant_id in queue and APPLICANT["name_kanji"] not in queue
    detail = client.get(f"/casework/breakglass/reviews/{grant.grant_id}/").content.decode()
    assert REASON in detail and "disclosure" in detail and APPLICANT["name_kanji"] not in detail

    url = f"/casework/breakglass/reviews/{grant.grant_id}/"
    refused = client.post(url, {"verdict": "not_justified", "note": ""})
    assert refused.status_code == 400 and "理由を入力してください" in refused.content.decode()
    done = client.post(url, {"verdict": "not_justified", "note": "業務上の必要性が確認できない。"})
    assert done.status_code == 302
    verdict = BreakGlassReview.objects.get(grant=grant)
    assert not verdict.justified and verdict.reviewed_by == personas["supervisor"]
    entry = Entry.objects.get(code="breakglass.review")
    assert entry.grant == grant.grant_id and '"justified":false' in bytes(entry.data).decode()
    assert grant.grant_id not in client.get("/casework/breakglass/reviews/").content.decode()


def test_it_keeps_a_supervisor_from_reviewing_their_own_break_glass(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["supervisor"])
    _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    assert grant.grant_id not in client.get("/casework/breakglass/reviews/").content.decode()
    response = client.post(
        f"/casework/breakglass/reviews/{grant.grant_id}/", {"verdict": "justified"}
    )
    assert response.status_code == 404
    assert not BreakGlassReview.objects.exists()


def test_it_shows_a_grant_only_to_the_one_who_opened_it(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["counter_clerk"])
    used = _open(client, reception_number=app.reception_number)
    login_as(personas["issuance_clerk"])
    assert client.get(used["Location"]).status_code == 404


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/casework/breakglass/", {"counter_clerk", "issuance_clerk", "reviewer", "supervisor"}),
        ("/casework/breakglass/reviews/", {"supervisor"}),
    ],
)
def test_it_denies_strangers_and_other_roles(
    client, personas, stranger, login_as, keys_dir, url, allowed
):
    login_as(stranger)
    assert client.get(url).status_code == 403
    for role, staff in personas.items():
        login_as(staff)
        assert (client.get(url).status_code == 403) is (role not in allowed), role


# --- the co-signature at the requester's screen ----------------------------------------------

PASSWORD = "correct-horse-battery-staple"
BREAKS_GLASS = {"counter_clerk", "issuance_clerk", "reviewer", "supervisor"}


def _vendor(make_staff, username="vendor5"):
    return make_staff(
        "counter_clerk", username=username, employer="窓口委託", employer_kind="contractor"
    )


def _countersign(client, grant, staff, password=PASSWORD):
    from ryoken.web.accounts.services import current_code

    return client.post(
        f"/casework/breakglass/{grant.grant_id}/countersign/",
        {"cosigner": staff.staff_id, "password": password, "token": current_code(staff.device)},
    )


def test_a_contractors_request_opens_nothing_until_a_supervisor_signs_on_the_same_screen(
    client, make_staff, personas, login_as, make_application
):
    app = make_application()
    clerk, supervisor = _vendor(make_staff), personas["supervisor"]
    login_as(clerk)
    response = _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    # A request, not a grant: no breakglass.open, nothing the vault will disclose.
    assert ledger_codes(code="breakglass.open") == []
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="countersign-form"' in page and APPLICANT["name_kanji"] not in page
    with pytest.raises(AccessDenied):
        gateway.disclose(
            actor=clerk.staff_id,
            subject_id=app.applicant,
            fields=("name_kanji",),
            grant=grant.grant_id,
            purpose="break_glass",
        )
    assert ledger_codes(code="disclosure") == []

    signed = _countersign(client, grant, supervisor)
    assert signed.status_code == 302 and signed["Location"] == response["Location"]
    grant.refresh_from_db()
    assert grant.cosigned_by == supervisor.staff_id
    opened = Entry.objects.get(code="breakglass.open")
    text = bytes(opened.data).decode()
    assert opened.actor == clerk.staff_id and f'"cosigned_by":"{supervisor.staff_id}"' in text
    review = Entry.objects.get(code="breakglass.review")
    assert review.actor == supervisor.staff_id and review.seq > opened.seq
    assert APPLICANT["name_kanji"] in client.get(response["Location"]).content.decode()
    case = Case.objects.get(staff_id=clerk.staff_id)  # counter staff: a case at once
    assert case.seqs == [opened.seq]


def test_a_clerk_cannot_cosign_on_the_screen(
    client, make_staff, personas, login_as, make_application
):
    app = make_application()
    clerk = _vendor(make_staff)
    outside_supervisor = make_staff(
        "supervisor", username="vendorsup", employer="窓口委託", employer_kind="contractor"
    )
    login_as(clerk)
    _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    for signer in (clerk, personas["counter_clerk"], personas["reviewer"], outside_supervisor):
        refused = _countersign(client, grant, signer)
        assert refused.status_code == 400, signer.staff_id
        assert "承認者は本庁の監督者" in refused.content.decode()
        assert APPLICANT["name_kanji"] not in refused.content.decode()
    denied = [bytes(e.data).decode() for e in Entry.objects.filter(code="access.denied")]
    assert len(denied) == 4 and all('"what":"cosign"' in d for d in denied)
    grant.refresh_from_db()
    assert not grant.cosigned_by and ledger_codes(code="breakglass.open") == []


def test_a_wrong_password_at_the_cosign_is_a_failed_login(
    client, make_staff, personas, login_as, make_application
):
    app = make_application()
    clerk = _vendor(make_staff)
    login_as(clerk)
    _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    refused = _countersign(client, grant, personas["supervisor"], password="guessed-password")
    assert refused.status_code == 400
    failed = Entry.objects.get(code="auth.login_failed")
    assert failed.actor == personas["supervisor"].staff_id
    assert '"factor":"cosign"' in bytes(failed.data).decode()
    grant.refresh_from_db()
    assert not grant.cosigned_by and ledger_codes(code="breakglass.open") == []


def test_a_request_withdrawn_or_expired_leaves_no_grant_in_the_ledger(
    client, make_staff, personas, login_as, make_application
):
    from ryoken.web.counter.queue import service as queue

    apps = [make_application(), make_application()]
    clerk = _vendor(make_staff)
    login_as(clerk)
    first = _open(client, reception_number=apps[0].reception_number)
    assert client.post(first["Location"] + "close/").status_code == 302
    _open(client, reception_number=apps[1].reception_number)
    queue.expire_grants(now=timezone.now() + timedelta(hours=1))
    assert not Grant.objects.filter(kind="break_glass", closed_at__isnull=True).exists()
    assert ledger_codes(code="breakglass.open") == ledger_codes(code="grant.close") == []
    login_as(personas["supervisor"])  # nothing left to co-sign, nothing to review
    queue_page = client.get("/casework/breakglass/reviews/").content.decode()
    assert "cosign-gr_" not in queue_page and "use-gr_" not in queue_page


def test_the_cosign_screen_denies_strangers_and_others(
    client, make_staff, personas, stranger, login_as, make_application
):
    app = make_application()
    clerk = _vendor(make_staff)
    login_as(clerk)
    _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    login_as(stranger)
    assert _countersign(client, grant, personas["supervisor"]).status_code == 403
    for role, staff in personas.items():
        login_as(staff)
        status = _countersign(client, grant, personas["supervisor"]).status_code
        assert status == (404 if role in BREAKS_GLASS else 403), role
    grant.refresh_from_db()
    assert not grant.cosigned_by
