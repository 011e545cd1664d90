"""Review (審査): supervisors assign, reviewers decide, the grant lasts as long as the work.

A supervisor assigns an application that is in review to a reviewer. The route comes from
the rules (`domain.applications.review_route`): a 刑罰等関係 "yes" goes to senior review, and
only a reviewer holding a current `senior_review` qualification may take it (the office
records that qualification; it is configuration, like every qualification). A reviewer sees
their queue without personal data; opening a review opens a grant (kind review, step review
or senior_review) covering the application's persons, and the decision closes it.

Refusing a review of one's own or one's family's application would need to compare the
reviewer's identity with the application's persons, which only the vault can do; that check
is not made here (see the report of issue 4). Reviewing an application one accepted at the
counter is refused: that much the rows show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain import applications as rules
from ryoken.domain.applications import ApplicationKind, ApplicationState, Channel, ReviewTrack
from ryoken.domain.people import Person, SubjectId
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import CAPABILITIES, holds, standing
from ryoken.web.accounts.models import Qualification, QualificationKind, Staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.services import do_transition
from ryoken.web.casework.models import Review
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger

SENIOR_QUALIFICATION = ("senior_review", "上級審査資格", "Senior review qualification")
REVIEW_KINDS = (Review.Kind.REVIEW, Review.Kind.SENIOR)
MAX_REASONS = 2000
# Routing reads only the kind and the 刑罰等関係 answer; this stands in for the person the
# rules' Application value requires (a syntactically valid id that names nobody).
_NOBODY = SubjectId("ds_" + "0" * 26)


def review_minutes() -> int:
    return env_int("RYOKEN_REVIEW_GRANT_MINUTES", 60)


def senior_qualification_kind() -> QualificationKind:
    """The `senior_review` qualification kind, created on first use (office configuration)."""
    code, ja, en = SENIOR_QUALIFICATION
    kind, _ = QualificationKind.objects.get_or_create(
        code=code, defaults={"label_ja": ja, "label_en": en}
    )
    return kind


def holds_senior_qualification(staff: Staff, today: date) -> bool:
    return Qualification.objects.filter(
        staff=staff,
        kind__code=SENIOR_QUALIFICATION[0],
        obtained_on__lte=today,
        valid_until__gte=today,
    ).exists()


def route_of(application: Application) -> ReviewTrack:
    """The review track the rules give this application (standard or senior)."""
    kind = ApplicationKind(application.kind)
    changes = (
        frozenset({rules.RecordChange.NAME}) if kind in rules.RECORD_CHANGE_KINDS else frozenset()
    )
    value = rules.Application(
        kind=kind,
        channel=Channel(application.channel),
        applicant=Person(_NOBODY, "-", birth_date=application.application_date),
        application_date=application.application_date,
        record_changes=changes,
        criminal_record_answer=application.criminal_record_yes,
    )
    return rules.review_route(value).track


def review_kind_for(application: Application) -> Review.Kind:
    return Review.Kind.SENIOR if route_of(application) is ReviewTrack.SENIOR else Review.Kind.REVIEW


def step_of(review: Review) -> Step:
    return {
        Review.Kind.REVIEW: Step.REVIEW,
        Review.Kind.SENIOR: Step.SENIOR_REVIEW,
        Review.Kind.QA: Step.QA_REVIEW,
    }[Review.Kind(review.kind)]


def open_review_of(application: Application) -> Review | None:
    return (
        Review.objects.filter(application=application, kind__in=REVIEW_KINDS, decided_at=None)
        .select_related("reviewer")
        .first()
    )


def unassigned_in_review() -> QuerySet[Application]:
    """Applications in review without an undecided review, oldest first."""
    undecided = Review.objects.filter(
        application=OuterRef("pk"), kind__in=REVIEW_KINDS, decided_at=None
    )
    return (
        Application.objects.filter(state=ApplicationState.IN_REVIEW)
        .exclude(Exists(undecided))
        .order_by("application_date", "pk")
    )


@dataclass(frozen=True)
class Reviewer:
    staff: Staff
    senior: bool  # holds a current senior_review qualification


def reviewer_pool(today: date) -> list[Reviewer]:
    """Everyone who may review today (in standing), asked once for a whole screen."""
    candidates = Staff.objects.filter(role__in=CAPABILITIES["review.work"]).order_by("staff_id")
    return [
        Reviewer(s, holds_senior_qualification(s, today))
        for s in candidates
        if standing(s, today).ok
    ]


def eligible_reviewers(
    application: Application, today: date, pool: list[Reviewer] | None = None
) -> list[Staff]:
    """Staff who may take this review today: reviewers in standing, qualified for its track,
    who did not accept it at the counter (the same rules as `_refusal`)."""
    senior = review_kind_for(application) == Review.Kind.SENIOR
    return [
        r.staff
        for r in (pool if pool is not None else reviewer_pool(today))
        if (r.senior or not senior) and r.staff.staff_id != application.accepted_by
    ]


def _refusal(
    reviewer: Staff, application: Application, *, senior: bool, today: date
) -> tuple[str, str] | None:
    """Why `reviewer` may not take this review (English, Japanese), or None."""
    if not holds(reviewer, "review.work"):
        return "the staff member does not review", gettext_noop(
            "この職員は審査担当ではありません。"
        )
    if not standing(reviewer, today).ok:
        return (
            "the staff member may not act today",
            gettext_noop("この職員は現在業務を行えません（契約期間・資格をご確認ください）。"),
        )
    if senior and not holds_senior_qualification(reviewer, today):
        return (
            "a 刑罰等関係 case needs a reviewer with a current senior_review qualification",
            gettext_noop(
                "刑罰等関係に該当する申請は、上級審査資格を持つ審査担当にのみ割り当てられます。"
            ),
        )
    if application.accepted_by and application.accepted_by == reviewer.staff_id:
        return (
            "the staff member accepted this application at the counter",
            gettext_noop("受付を担当した職員には審査を割り当てられません。"),
        )
    return None


def _assign_event(review: Review, acting_staff: Staff, at: datetime, previous: str | None) -> Event:
    app = review.application
    return Event(
        code=EventCode.REVIEW_ASSIGN,
        at=at,
        actor=acting_staff.staff_id,
        subjects=(app.applicant,),
        fields=(),
        purpose=str(review.kind),
        grant=None,
        terminal=None,
        details={
            "application": str(app.reception_number or app.pk),
            "review": review.pk,
            "kind": str(review.kind),
            "reviewer": review.reviewer.staff_id,
            "previous": previous,
        },
    )


def assign_review(
    application: Application,
    reviewer: Staff,
    *,
    acting_staff: Staff,
    now: datetime | None = None,
) -> Review:
    """Assign (or reassign) the review of an application in review to `reviewer`."""
    at = now or clock.now()
    if application.state != ApplicationState.IN_REVIEW:
        raise RuleViolation(
            f"application {application} is not in review ({application.state})",
            message_ja=gettext_noop("この申請は審査中ではありません。"),
        )
    kind = review_kind_for(application)
    refusal = _refusal(
        reviewer, application, senior=kind == Review.Kind.SENIOR, today=timezone.localdate(at)
    )
    if refusal is not None:
        raise RuleViolation(refusal[0], message_ja=refusal[1])
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=application.pk).first()
        review = open_review_of(application)
        previous = None
        if review is None:
            review = Review.objects.create(
                application=application, kind=kind, reviewer=reviewer, assigned_at=at
            )
        else:
            previous = review.reviewer.staff_id
            for grant in Grant.objects.filter(review=review, closed_at=None):
                grants.close_grant(grant, now=at, why="reassigned")
            Review.objects.filter(pk=review.pk).update(reviewer=reviewer, assigned_at=at)
            review.reviewer, review.assigned_at = reviewer, at
        ledger.record_in_transaction(_assign_event(review, acting_staff, at, previous=previous))
    return review


def reviewer_queue(staff: Staff) -> QuerySet[Review]:
    """The reviews assigned to `staff` and not decided yet, oldest application first."""
    return (
        Review.objects.filter(reviewer=staff, kind__in=REVIEW_KINDS, decided_at=None)
        .select_related("application")
        .order_by("application__application_date", "pk")
    )


def access_review(staff: Staff, review_id: int, *, now: datetime | None = None) -> Review:
    """The caller's own undecided review, or AccessDenied (missing and forbidden alike)."""
    review = (
        Review.objects.select_related("application", "reviewer")
        .filter(pk=review_id, reviewer=staff, kind__in=REVIEW_KINDS, decided_at=None)
        .first()
    )
    if review is None:
        raise AccessDenied(
            "no such review of yours", message_ja=gettext_noop("該当する審査はありません。")
        )
    today = timezone.localdate(now or clock.now())
    if review.kind == Review.Kind.SENIOR and not holds_senior_qualification(staff, today):
        raise AccessDenied(
            "the senior_review qualification is missing or expired",
            message_ja=gettext_noop("上級審査資格が未取得か期限切れのため、この審査は開けません。"),
        )
    return review


def persons_of(application: Application) -> list[ApplicationPerson]:
    """Everyone the application names, the applicant first."""
    people = list(ApplicationPerson.objects.filter(application=application).order_by("pk"))
    if not any(p.subject == application.applicant for p in people):
        people.insert(0, ApplicationPerson(subject=application.applicant, role="applicant"))
    people.sort(key=lambda p: p.role != "applicant")
    return people


def work_grant(review: Review, *, now: datetime | None = None) -> Grant:
    """The open grant of this review (review, senior review or QA), opened if there is none."""
    at = now or clock.now()
    existing = (
        Grant.objects.select_related("staff", "window")
        .filter(review=review, staff=review.reviewer, closed_at=None, expires_at__gt=at)
        .order_by("-opened_at")
        .first()
    )
    if existing is not None:
        return existing
    kind = Grant.Kind.QA if review.kind == Review.Kind.QA else Grant.Kind.REVIEW
    return grants.open_grant(
        staff=review.reviewer,
        kind=kind,
        step=step_of(review),
        subjects={p.subject for p in persons_of(review.application)},
        minutes=review_minutes(),
        review=review,
        now=at,
    )


def close_work_grants(review: Review, *, now: datetime, why: str) -> None:
    for grant in Grant.objects.select_related("staff", "window").filter(
        review=review, closed_at=None
    ):
        grants.close_grant(grant, now=now, why=why)


@dataclass(frozen=True)
class Decision:
    approve: bool
    reasons: str


def parse_decision(decision: str, reasons: str) -> Decision:
    """Approve, or reject with reasons (required): what the decision form may say."""
    text = reasons.strip()
    if decision not in ("approve", "reject"):
        raise InvalidInput(
            f"unknown decision {decision!r}",
            message_ja=gettext_noop("承認か却下を選んでください。"),
        )
    if len(text) > MAX_REASONS:
        raise InvalidInput(
            f"reasons are limited to {MAX_REASONS} characters",
            message_ja=f"理由は{MAX_REASONS}文字以内で入力してください。",
        )
    if decision == "reject" and not text:
        raise InvalidInput(
            "a rejection needs its reasons",
            message_ja=gettext_noop("却下の理由を入力してください。"),
        )
    return Decision(decision == "approve", text)


def decide_review(
    review: Review, decision: Decision, *, acting_staff: Staff, now: datetime | None = None
) -> Application:
    """Approve or reject: the application moves, the review records it, the grant closes."""
    at = now or clock.now()
    if review.reviewer_id != acting_staff.pk:
        raise AccessDenied("not your review", message_ja=gettext_noop("該当する審査はありません。"))
    grant = Grant.objects.filter(review=review, closed_at=None).order_by("-opened_at").first()
    to = ApplicationState.APPROVED if decision.approve else ApplicationState.REJECTED
    with transaction.atomic():
        updated = Review.objects.filter(pk=review.pk, decided_at=None).update(
            decided_at=at,
            decision=Review.Decision.APPROVED if decision.approve else Review.Decision.REJECTED,
            reasons=decision.reasons,
        )
        if updated != 1:
            raise RuleViolation(
                "the review was decided meanwhile",
                message_ja=gettext_noop("この審査は既に完了しています。"),
            )
        application = do_transition(
            review.application,
            to,
            acting_staff=acting_staff,
            grant=grant.grant_id if grant else None,
            note=decision.reasons,
            now=at,
        )
        close_work_grants(review, now=at, why=str(to))
    review.refresh_from_db()
    return application
