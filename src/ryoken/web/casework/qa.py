"""Quality assurance (品質確認): a supervisor's daily random sample of accepted applications.

The sample of a day is drawn from the applications accepted that day (canaries excluded),
at a configurable rate (RYOKEN_QA_RATE_PERCENT, default 5; at least one when any were
accepted). The random generator is seeded from the day, keyed with the installation's secret:
anyone holding the secret (an auditor checking the supervisor) redraws exactly the same
sample, while a counter clerk, who does not, cannot tell which of today's applications will
be checked. Each sampled application becomes a QA review of the supervisor who drew it;
opening one opens a QA grant (step qa_review: masked text, no images).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import AccessDenied, ConfigurationError, InvalidInput, RuleViolation
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application
from ryoken.web.casework.models import QASample, Review
from ryoken.web.casework.review import MAX_REASONS, close_work_grants
from ryoken.web.env import env_str
from ryoken.web.ledger import store as ledger

DEFAULT_RATE_PERCENT = 5.0


def qa_rate_percent() -> float:
    raw = env_str("RYOKEN_QA_RATE_PERCENT", str(DEFAULT_RATE_PERCENT))
    try:
        rate = float(raw)
    except ValueError:
        raise ConfigurationError(f"RYOKEN_QA_RATE_PERCENT must be a number, not {raw!r}") from None
    if not 0 < rate <= 100:
        raise ConfigurationError(f"RYOKEN_QA_RATE_PERCENT must be above 0 and at most 100: {raw}")
    return rate


def sample_size(population: int, rate_percent: float) -> int:
    """How many of `population` to check: the rate rounded up, at least one if any."""
    if population <= 0:
        return 0
    return min(population, max(1, math.ceil(population * rate_percent / 100)))


def sample_seed(day: date, key: bytes) -> bytes:
    return hmac.new(
        key, b"ryoken/qa-sample/v1/" + day.isoformat().encode(), hashlib.sha256
    ).digest()


def draw_sample(candidates: Sequence[int], day: date, rate_percent: float, key: bytes) -> list[int]:
    """The sampled ids: a pure function of the candidates (as a set), the day, rate and key."""
    ordered = sorted(set(candidates))
    # Not for secrecy of the draw itself (the key gives that): a reproducible generator.
    rng = random.Random(sample_seed(day, key))  # noqa: S311
    return sorted(rng.sample(ordered, sample_size(len(ordered), rate_percent)))


def _key() -> bytes:
    return str(settings.SECRET_KEY).encode()


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def population(day: date, *, accepted_until: datetime) -> list[int]:
    """Applications accepted on `day` (local time) by `accepted_until`, canaries excluded."""
    start, end = _day_bounds(day)
    return list(
        Application.objects.filter(
            accepted_at__gte=start, accepted_at__lt=min(end, accepted_until), canary=False
        ).values_list("pk", flat=True)
    )


def draw_qa_sample(day: date, *, acting_staff: Staff, now: datetime | None = None) -> QASample:
    """The QA sample of `day`, drawn now for `acting_staff` or the one already drawn."""
    at = now or clock.now()
    if day > timezone.localdate(at):
        raise InvalidInput(
            f"{day} has not come yet", message_ja=gettext_noop("未来の日付の抽出はできません。")
        )
    existing = QASample.objects.filter(day=day).first()
    if existing is not None:
        return existing
    rate = qa_rate_percent()
    candidates = population(day, accepted_until=at)
    chosen = draw_sample(candidates, day, rate, _key())
    with transaction.atomic():
        sample = QASample.objects.create(
            day=day, rate_percent=rate, population=len(candidates), drawn_at=at,
            drawn_by=acting_staff.staff_id,
        )  # fmt: skip
        apps = list(Application.objects.filter(pk__in=chosen).order_by("pk"))
        reviews = [
            Review.objects.create(
                application=app, kind=Review.Kind.QA, reviewer=acting_staff, assigned_at=at
            )
            for app in apps
        ]
        sample.reviews.set(reviews)
        ledger.record_in_transaction(
            Event(
                code=EventCode.REVIEW_ASSIGN,
                at=at,
                actor=acting_staff.staff_id,
                subjects=tuple(app.applicant for app in apps),
                fields=(),
                purpose=str(Review.Kind.QA),
                grant=None,
                terminal=None,
                details={
                    "kind": str(Review.Kind.QA),
                    "day": day.isoformat(),
                    "population": len(candidates),
                    "sampled": len(apps),
                    "rate_percent": str(rate),
                    "reviewer": acting_staff.staff_id,
                },
            )
        )
    return sample


def redraw_matches(sample: QASample) -> bool:
    """Whether drawing the sample's day again gives the same applications (for auditors)."""
    candidates = population(sample.day, accepted_until=sample.drawn_at)
    again = draw_sample(candidates, sample.day, sample.rate_percent, _key())
    drawn = sorted(sample.reviews.values_list("application_id", flat=True))
    return len(candidates) == sample.population and again == drawn


def qa_queue(staff: Staff) -> QuerySet[Review]:
    return (
        Review.objects.filter(reviewer=staff, kind=Review.Kind.QA, decided_at=None)
        .select_related("application")
        .order_by("assigned_at", "pk")
    )


def access_qa_review(staff: Staff, review_id: int) -> Review:
    review = (
        Review.objects.select_related("application", "reviewer")
        .filter(pk=review_id, reviewer=staff, kind=Review.Kind.QA, decided_at=None)
        .first()
    )
    if review is None:
        raise AccessDenied(
            "no such QA review of yours", message_ja=gettext_noop("該当する確認はありません。")
        )
    return review


def mark_checked(
    review: Review, note: str, *, acting_staff: Staff, now: datetime | None = None
) -> Review:
    """Record the QA check with its note; the QA grant closes."""
    at = now or clock.now()
    text = note.strip()
    if not text:
        raise InvalidInput(
            "a QA check needs a note", message_ja=gettext_noop("確認結果を入力してください。")
        )
    if len(text) > MAX_REASONS:
        raise InvalidInput(
            f"the note is limited to {MAX_REASONS} characters",
            message_ja=f"確認結果は{MAX_REASONS}文字以内で入力してください。",
        )
    if review.reviewer_id != acting_staff.pk or review.kind != Review.Kind.QA:
        raise AccessDenied(
            "not your QA review", message_ja=gettext_noop("該当する確認はありません。")
        )
    app = review.application
    with transaction.atomic():
        updated = Review.objects.filter(pk=review.pk, decided_at=None).update(
            decided_at=at, decision=Review.Decision.CHECKED, reasons=text
        )
        if updated != 1:
            raise RuleViolation(
                "the QA review was checked meanwhile",
                message_ja=gettext_noop("この確認は既に完了しています。"),
            )
        ledger.record_in_transaction(
            Event(
                code=EventCode.REVIEW_QA_CHECK,
                at=at,
                actor=acting_staff.staff_id,
                subjects=(app.applicant,),
                fields=(),
                purpose=str(Review.Kind.QA),
                grant=None,
                terminal=None,
                # The note stays in the review row: free text may hold personal data.
                details={
                    "application": str(app.reception_number or app.pk),
                    "review": review.pk,
                    "note_chars": len(text),
                },
            )
        )
        close_work_grants(review, now=at, why="qa checked")
    review.refresh_from_db()
    return review
