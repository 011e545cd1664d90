"""QA sampling: a reproducible daily sample of accepted applications, seen masked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ryoken.web.access.models import Grant
from ryoken.web.casework import qa
from ryoken.web.casework.models import QASample, Review

from .conftest import APPLICANT, ledger_codes

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_draws_the_same_sample_for_the_same_day_and_another_for_another_day():
    candidates = list(range(1, 201))
    first = qa.draw_sample(candidates, date(2026, 3, 2), 5.0, b"k" * 32)
    assert first == qa.draw_sample(list(reversed(candidates)), date(2026, 3, 2), 5.0, b"k" * 32)
    assert len(first) == 10 and set(first) <= set(candidates)
    others = {
        tuple(qa.draw_sample(candidates, date(2026, 3, d), 5.0, b"k" * 32)) for d in range(3, 9)
    }
    assert len(others | {tuple(first)}) > 1
    # Without the key, the sample cannot be predicted from the day alone.
    assert first != qa.draw_sample(candidates, date(2026, 3, 2), 5.0, b"x" * 32)


@pytest.mark.parametrize(
    ("population", "rate", "size"), [(0, 5, 0), (1, 5, 1), (40, 5, 2), (41, 5, 3), (40, 10, 4)]
)
def test_it_checks_the_rate_rounded_up_and_at_least_one(population, rate, size):
    assert qa.sample_size(population, rate) == size


def test_it_gives_the_supervisor_a_reproducible_sample_of_the_day(
    client, personas, login_as, make_application, monkeypatch
):
    monkeypatch.setenv("RYOKEN_QA_RATE_PERCENT", "10")
    day = timezone.localdate() - timedelta(days=1)
    accepted = [make_application("in_review", accepted_on=day, family=False) for _ in range(12)]
    make_application("in_review", accepted_on=day - timedelta(days=1), family=False)  # not that day
    login_as(personas["supervisor"])
    response = client.post("/casework/qa/", {"day": day.isoformat()})
    assert response.status_code == 302
    sample = QASample.objects.get(day=day)
    drawn = sorted(sample.reviews.values_list("application_id", flat=True))
    assert sample.population == 12 and len(drawn) == 2
    assert set(drawn) <= {a.pk for a in accepted}
    assert qa.redraw_matches(sample)

    client.post("/casework/qa/", {"day": day.isoformat()})  # again: the same sample, no more
    assert Review.objects.filter(kind=Review.Kind.QA).count() == 2
    page = client.get("/casework/qa/").content.decode()
    assert all(r.application.reception_number in page for r in sample.reviews.all())
    assert APPLICANT["name_kanji"] not in page


def test_it_refuses_to_draw_a_future_day(client, personas, login_as, keys_dir):
    login_as(personas["supervisor"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post("/casework/qa/", {"day": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "未来の日付" in response.content.decode()


def test_it_shows_a_qa_case_masked_and_records_the_check(
    client, personas, login_as, make_application
):
    app = make_application("approved")
    review = Review.objects.create(
        application=app,
        kind=Review.Kind.QA,
        reviewer=personas["supervisor"],
        assigned_at=app.created_at,
    )
    login_as(personas["supervisor"])
    page = client.get(f"/casework/qa/{review.pk}/").content.decode()
    for name in ("name_kanji", "birth_date", "address", "phone", "email"):
        assert f'data-testid="row-{name}" data-exposure="masked"' in page
        assert APPLICANT[name] not in page
    assert "<img" not in page and "row-criminal_answers" not in page
    assert 'data-testid="watermark"' in page
    grant = Grant.objects.get(review=review)
    assert grant.kind == "qa" and grant.step == "qa_review"

    refused = client.post(f"/casework/qa/{review.pk}/", {"note": ""})
    assert refused.status_code == 400 and "確認結果を入力してください" in refused.content.decode()
    done = client.post(f"/casework/qa/{review.pk}/", {"note": "受付記録と台帳の記録に相違なし。"})
    assert done.status_code == 302
    review.refresh_from_db()
    grant.refresh_from_db()
    assert review.decision == "checked" and grant.closed_at is not None
    assert ledger_codes(code="review.qa_check") == ["review.qa_check"]
    assert client.get(f"/casework/qa/{review.pk}/").status_code == 404  # done: gone


@pytest.mark.parametrize("url", ["/casework/qa/", "/casework/qa/1/"])
def test_it_denies_strangers_and_other_roles(client, personas, stranger, login_as, keys_dir, url):
    login_as(stranger)
    assert client.get(url).status_code == 403
    for role, staff in personas.items():
        if role == "supervisor":
            continue
        login_as(staff)
        assert client.get(url).status_code == 403, role
