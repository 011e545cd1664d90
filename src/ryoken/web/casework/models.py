"""The back office's work on applications: reviews, QA samples, break-glass reviews, online
submissions and production batches. The applications themselves are the applications app's.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductionBatch(models.Model):
    """An order file sent to the National Printing Bureau, and its import back."""

    batch_id = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=20)
    imported_at = models.DateTimeField(null=True, blank=True)


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

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="reviews"
    )
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
        "applications.Application", on_delete=models.PROTECT, related_name="online_submission"
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
