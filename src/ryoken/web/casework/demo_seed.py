"""The back office's part of the demo office (`ryoken demo`): call after `demo.seed_office`.

review1 holds the senior-review qualification and has part of the review queue (senior
cases included); super1 has yesterday's QA sample. Idempotent, like the rest of the seed.
"""

from __future__ import annotations

from datetime import date, timedelta

from ryoken import clock
from ryoken.web.accounts.models import Qualification, Staff
from ryoken.web.casework import qa, review


def seed_backoffice(
    *, reviewer: str = "review1", supervisor: str = "super1", today: date | None = None
) -> list[str]:
    day = today or clock.today()
    rev = Staff.objects.filter(staff_id=reviewer).first()
    sup = Staff.objects.filter(staff_id=supervisor).first()
    if rev is None or sup is None:
        return [f"back office not seeded: no {reviewer} or {supervisor}"]
    kind = review.senior_qualification_kind()
    if not review.holds_senior_qualification(rev, day):
        Qualification.objects.create(
            staff=rev,
            kind=kind,
            obtained_on=day - timedelta(days=400),
            valid_until=day + timedelta(days=365),
            recorded_by=supervisor,
        )
    assigned = 0
    if not review.reviewer_queue(rev).exists():  # a second run leaves the queue as it is
        for app in list(review.unassigned_in_review())[::2]:
            review.assign_review(app, rev, acting_staff=sup)
            assigned += 1
    sample = qa.draw_qa_sample(day - timedelta(days=1), acting_staff=sup)
    return [
        f"back office: {assigned} reviews assigned to {reviewer} (senior qualification held), "
        f"QA sample of {sample.day}: {sample.reviews.count()} of {sample.population}"
    ]
