"""Review: a supervisor assigns, the reviewer sees a queue without personal data, opens the
case under a grant that shows only what the review policy allows, and decides."""

from __future__ import annotations

import pytest

from ryoken.privacy.policy import Exposure, Step, exposure
from ryoken.web.access.models import Grant
from ryoken.web.casework.models import Review

from .conftest import APPLICANT, CONTACT, ledger_codes

pytestmark = pytest.mark.django_db(transaction=True)


def _assign(client, app, reviewer):
    return client.post(
        "/casework/review/assign/", {"application": app.pk, "reviewer": reviewer.staff_id}
    )


def test_it_assigns_and_the_reviewer_approves(client, personas, login_as, make_application):
    app = make_application()
    login_as(personas["supervisor"])
    page = client.get("/casework/review/assign/").content.decode()
    assert app.reception_number in page and APPLICANT["name_kanji"] not in page
    assert _assign(client, app, personas["reviewer"]).status_code == 302
    review = Review.objects.get(application=app)
    assert review.reviewer == personas["reviewer"] and review.kind == Review.Kind.REVIEW

    login_as(personas["reviewer"])
    queue = client.get("/casework/review/").content.decode()
    assert app.reception_number in queue
    assert APPLICANT["name_kanji"] not in queue and APPLICANT["birth_date"] not in queue
    case = client.get(f"/casework/review/{review.pk}/")
    assert case.status_code == 200
    assert APPLICANT["name_kanji"] in case.content.decode()
    assert 'data-testid="watermark"' in case.content.decode()
    grant = Grant.objects.get(review=review)
    assert grant.kind == "review" and grant.closed_at is None

    asked = client.post(f"/casework/review/{review.pk}/", {"decision": "approve"})
    assert asked.status_code == 200 and "発給の承認の確認" in asked.content.decode()
    app.refresh_from_db()
    assert app.state != "approved"
    response = client.post(
        f"/casework/review/{review.pk}/", {"decision": "approve", "confirmed": "1"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    grant.refresh_from_db()
    assert app.state == "approved"
    assert grant.closed_at is not None
    assert "review.assign" in ledger_codes(code="review.assign")
    assert ledger_codes(grant=grant.grant_id, code="workflow.transition") == ["workflow.transition"]


def test_it_requires_reasons_to_reject(client, personas, login_as, make_application):
    app = make_application()
    review = Review.objects.create(
        application=app, kind="review", reviewer=personas["reviewer"], assigned_at=app.created_at
    )
    login_as(personas["reviewer"])
    response = client.post(f"/casework/review/{review.pk}/", {"decision": "reject", "reasons": " "})
    assert response.status_code == 400
    assert "却下の理由を入力してください" in response.content.decode()
    app.refresh_from_db()
    assert app.state == "in_review"

    reasons = "戸籍謄本の記載と申請書の氏名が一致しないため。"
    response = client.post(
        f"/casework/review/{review.pk}/", {"decision": "reject", "reasons": reasons}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    review.refresh_from_db()
    assert app.state == "rejected"
    assert review.decision == "rejected" and review.reasons == reasons
    assert not Grant.objects.filter(review=review, closed_at=None).exists()


def test_it_routes_a_criminal_record_yes_to_a_senior_reviewer_only(
    client, personas, login_as, make_application, make_staff, senior_qualified
):
    app = make_application(criminal=True)
    senior = senior_qualified(make_staff("reviewer", username="senior1"))
    login_as(personas["supervisor"])
    page = client.get("/casework/review/assign/").content.decode()
    assert 'data-testid="senior"' in page
    assert "senior1" in page and f">{personas['reviewer'].staff_id} " not in page

    refused = _assign(client, app, personas["reviewer"])
    assert refused.status_code == 400
    assert "上級審査資格を持つ審査担当にのみ" in refused.content.decode()
    assert not Review.objects.filter(application=app).exists()

    assert _assign(client, app, senior).status_code == 302
    assert Review.objects.get(application=app).kind == Review.Kind.SENIOR


def test_it_refuses_the_clerk_who_accepted_the_application(
    client, personas, login_as, make_application
):
    app = make_application(accepted_by=personas["supervisor"].staff_id)
    login_as(personas["supervisor"])
    response = _assign(client, app, personas["supervisor"])
    assert response.status_code == 400
    assert "受付を担当した職員には審査を割り当てられません" in response.content.decode()


@pytest.mark.parametrize(("criminal", "step"), [(False, Step.REVIEW), (True, Step.SENIOR_REVIEW)])
def test_it_shows_the_reviewer_no_field_the_review_policy_hides(
    client, personas, login_as, make_application, senior_qualified, criminal, step
):
    app = make_application(criminal=criminal)
    reviewer = senior_qualified(personas["reviewer"])
    kind = Review.Kind.SENIOR if criminal else Review.Kind.REVIEW
    review = Review.objects.create(
        application=app, kind=kind, reviewer=reviewer, assigned_at=app.created_at
    )
    login_as(reviewer)
    page = client.get(f"/casework/review/{review.pk}/").content.decode()
    for name, value in APPLICANT.items():
        level = exposure(step, name)
        if level is Exposure.HIDDEN:
            assert f'data-testid="row-{name}"' not in page, name
            if isinstance(value, str) and len(value) > 3:
                assert value not in page, name
        else:
            assert f'data-testid="row-{name}" data-exposure="{level}"' in page, name
        if level is Exposure.MASKED and isinstance(value, str):
            assert value not in page, name  # only the mask is on screen
    assert CONTACT["address"] not in page  # the contact's address is masked at review
    assert ("刑罰等関係" in page) is criminal


def test_it_refuses_a_senior_review_once_the_qualification_expired(
    client, personas, login_as, make_application, senior_qualified
):
    from datetime import timedelta

    from django.utils import timezone

    app = make_application(criminal=True)
    reviewer = senior_qualified(
        personas["reviewer"], until=timezone.localdate() - timedelta(days=1)
    )
    review = Review.objects.create(
        application=app, kind=Review.Kind.SENIOR, reviewer=reviewer, assigned_at=app.created_at
    )
    login_as(reviewer)
    assert client.get(f"/casework/review/{review.pk}/").status_code == 404
    assert not Grant.objects.filter(review=review).exists()


def test_it_hides_a_review_from_anyone_but_its_reviewer(
    client, personas, login_as, make_application, make_staff
):
    app = make_application()
    review = Review.objects.create(
        application=app, kind="review", reviewer=personas["reviewer"], assigned_at=app.created_at
    )
    login_as(make_staff("reviewer", username="other1"))
    assert client.get(f"/casework/review/{review.pk}/").status_code == 404
    assert (
        client.post(
            f"/casework/review/{review.pk}/", {"decision": "approve", "confirmed": "1"}
        ).status_code
        == 404
    )
    app.refresh_from_db()
    assert app.state == "in_review"


def test_it_ends_the_grant_when_the_reviewer_leaves_without_deciding(
    client, personas, login_as, make_application
):
    app = make_application()
    review = Review.objects.create(
        application=app, kind="review", reviewer=personas["reviewer"], assigned_at=app.created_at
    )
    login_as(personas["reviewer"])
    client.get(f"/casework/review/{review.pk}/")
    assert client.post(f"/casework/review/{review.pk}/release/").status_code == 302
    assert not Grant.objects.filter(review=review, closed_at=None).exists()
    app.refresh_from_db()
    assert app.state == "in_review"  # still in the queue, to be opened again


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/casework/review/assign/", {"supervisor"}),
        ("/casework/review/", {"reviewer", "supervisor"}),
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


def test_it_shows_the_review_screen_after_one_decision_and_one_commit(
    client, personas, login_as, make_application
):
    from ryoken.web.access.policy import GrantPolicy
    from ryoken.web.ledger import store
    from ryoken.web.vault import gateway

    app = make_application()  # the applicant, family and a contact: several persons
    review = Review.objects.create(
        application=app, kind="review", reviewer=personas["reviewer"], assigned_at=app.created_at
    )
    login_as(personas["reviewer"])
    client.get(f"/casework/review/{review.pk}/")  # opens the grant

    class Counting(GrantPolicy):
        asked = 0
        persons = 0

        def decide_screen(self, request):  # type: ignore[no-untyped-def]
            Counting.asked += 1
            Counting.persons = len(request.items)
            return super().decide_screen(request)

    before = store.committer.commits
    with gateway.policy_in_use(Counting()):
        page = client.get(f"/casework/review/{review.pk}/")
    assert page.status_code == 200 and APPLICANT["name_kanji"] in page.content.decode()
    assert CONTACT["name_kanji"] in page.content.decode()
    assert store.committer.commits - before == 1
    assert Counting.asked == 1 and Counting.persons >= 2


def test_the_case_page_names_its_grant_in_words_not_by_id(
    client, personas, login_as, make_application
):
    """Issue 17: no raw grant id (`gr_…`) on the review page; the grant's times in words."""
    import re

    from django.utils import timezone

    app = make_application()
    login_as(personas["supervisor"])
    _assign(client, app, personas["reviewer"])
    review = Review.objects.get(application=app)
    login_as(personas["reviewer"])
    page = client.get(f"/casework/review/{review.pk}/").content.decode()
    grant = Grant.objects.get(review=review)
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads, not attributes or URLs
    assert grant.grant_id not in page
    assert not re.search(r"\bgr_[0-9a-f]+", text)
    start = timezone.localtime(grant.opened_at).strftime("%H:%M")
    until = timezone.localtime(grant.expires_at).strftime("%H:%M")
    assert f"この審査の閲覧権限（{start}開始、{until}まで）" in page
    english = client.get(f"/casework/review/{review.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"access for this review ({start} to {until})" in english.content.decode()
