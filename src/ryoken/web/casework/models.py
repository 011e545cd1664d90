"""Applications and the people in them. No plaintext personal data: persons are vault ids.

The state machine and every rule live in `ryoken.domain.applications`; these rows record
where an application is. Passport numbers are personal data and live in the vault.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ryoken.domain.applications import ApplicationKind, ApplicationState, Channel
from ryoken.domain.fields import SubjectRole


def _choices(enum: type) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]  # type: ignore[attr-defined]


class ProductionBatch(models.Model):
    """An order file sent to the National Printing Bureau, and its import back."""

    batch_id = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=20)
    imported_at = models.DateTimeField(null=True, blank=True)


class Application(models.Model):
    reception_number = models.CharField(max_length=40, unique=True, null=True, blank=True)
    office = models.CharField(max_length=20, default="TKY-IKB")
    kind = models.CharField(max_length=30, choices=_choices(ApplicationKind))
    channel = models.CharField(max_length=10, choices=_choices(Channel))
    state = models.CharField(max_length=30, default="draft")
    applicant = models.CharField(max_length=40)  # vault subject id
    application_date = models.DateField()
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=20, blank=True, default="")
    requested_validity = models.SmallIntegerField(null=True, blank=True)  # 5, 10; None = same
    validity_years = models.SmallIntegerField(null=True, blank=True)
    criminal_record_yes = models.BooleanField(default=False)  # routes to senior review
    proxy = models.BooleanField(default=False)
    romaji_confirmed = models.BooleanField(default=False)
    fee_national = models.IntegerField(null=True, blank=True)
    fee_prefectural = models.IntegerField(null=True, blank=True)
    batch = models.ForeignKey(
        ProductionBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    issue_date = models.DateField(null=True, blank=True)  # printed on the passport
    expiry_date = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.CharField(max_length=20, blank=True, default="")
    old_passport_returned = models.BooleanField(default=False)
    fee_paid = models.BooleanField(default=False)
    lapsed_on = models.DateField(null=True, blank=True)
    canary = models.BooleanField(default=False)  # a planted synthetic applicant

    class Meta:
        indexes = [
            models.Index(fields=["state"], name="application_state"),
            models.Index(fields=["applicant"], name="application_applicant"),
        ]

    def __str__(self) -> str:
        return self.reception_number or f"draft-{self.pk}"

    @property
    def state_enum(self) -> ApplicationState:
        return ApplicationState(self.state)


class ApplicationPerson(models.Model):
    """Everyone named in an application: applicant, family, representative, contact."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="persons")
    subject = models.CharField(max_length=40)
    role = models.CharField(max_length=30, choices=_choices(SubjectRole))
    relation = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "subject", "role"], name="application_person_unique"
            )
        ]
        indexes = [models.Index(fields=["subject"], name="application_person_subject")]


class Review(models.Model):
    """An assigned review (審査), a senior review, or a supervisor's sampled QA review."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("審査")
        SENIOR = "senior_review", _("上級審査")
        QA = "qa_review", _("品質確認")

    class Decision(models.TextChoices):
        APPROVED = "approved", _("承認")
        REJECTED = "rejected", _("却下")
        CHECKED = "checked", _("確認済")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reviewer = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT)
    assigned_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True, default="")
    reasons = models.TextField(blank=True, default="")


class QASample(models.Model):
    """One day's quality-assurance sample of accepted applications (reproducible per day).

    The draw is seeded from the day, so the same day and the same accepted applications give
    the same sample whoever draws it and however often; `population` records how many there
    were, so a later check can redraw it.
    """

    day = models.DateField(unique=True)
    rate_percent = models.FloatField()
    population = models.IntegerField()
    drawn_at = models.DateTimeField()
    drawn_by = models.CharField(max_length=20)
    reviews = models.ManyToManyField(Review, blank=True, related_name="qa_samples")


class BreakGlassReview(models.Model):
    """A supervisor's verdict on one break-glass grant: justified or not, with a note.

    "Not justified" is a signal for the privacy office (ledgered as `breakglass.review`).
    """

    grant = models.OneToOneField(
        "access.Grant", on_delete=models.PROTECT, related_name="breakglass_review"
    )
    justified = models.BooleanField()
    note = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT)
    reviewed_at = models.DateTimeField()


class OnlineSubmission(models.Model):
    """An online application (マイナポータル) imported from a JSON Lines file.

    `submission_id` is the online system's own id: a line imported once is refused the
    second time, so re-running an import cannot create a duplicate application.
    """

    submission_id = models.CharField(max_length=64, unique=True)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="online_submission"
    )
    line_number = models.IntegerField()
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=20)
    # What the online form established that review needs (flags and dates, no values).
    applicant_minor = models.BooleanField(default=False)
    non_hepburn = models.BooleanField(default=False)
    romaji_rule = models.CharField(max_length=40, blank=True, default="")
    record_changes = models.CharField(max_length=100, blank=True, default="")  # comma-separated
    current_passport_issued = models.DateField(null=True, blank=True)
    current_passport_expiry = models.DateField(null=True, blank=True)
