"""Grants: which staff member may see which persons, for which work, until when.

The decision's data, not the personal data: a grant ties one staff member to the persons of
one piece of work (a ticket at a window, a review, break-glass...); an assist lets a second
staff member work under it. The tables kept their names from the counter app, where these
models lived before (decision 0064); the ticket and the review a grant was opened for are
named by reference, so this app imports neither the counter nor casework.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grant(models.Model):
    """Access bound to work: a ticket at a window, an assigned review, or break-glass."""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("窓口")
        REVIEW = "review", _("審査")
        QA = "qa", _("品質確認")
        PRODUCTION = "production", _("発注")
        BREAK_GLASS = "break_glass", _("緊急アクセス")
        INQUIRY = "inquiry", _("照会")

    grant_id = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    step = models.CharField(max_length=20)  # ryoken.privacy.policy.Step value
    staff = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT, related_name="grants")
    window = models.ForeignKey("accounts.Window", null=True, blank=True, on_delete=models.PROTECT)
    ticket = models.ForeignKey("counter.Ticket", null=True, blank=True, on_delete=models.PROTECT)
    review = models.ForeignKey("casework.Review", null=True, blank=True, on_delete=models.PROTECT)
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")  # break-glass: the typed reason
    reviewed_by = models.CharField(max_length=20, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, default="")
    # Break-glass: the purpose picked (ryoken.privacy.purposes), which limits the fields; and,
    # for a contractor's clerk, the supervisor who must co-sign before anything is shown.
    purpose = models.CharField(max_length=30, blank=True, default="")
    cosign_required = models.BooleanField(default=False)
    cosigned_by = models.CharField(max_length=20, blank=True, default="")
    cosigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "counter_grant"  # the table kept from before the access app (decision 0064)
        indexes = [models.Index(fields=["staff", "closed_at"], name="grant_staff_open")]

    def __str__(self) -> str:
        return self.grant_id


class GrantSubject(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="subjects")
    subject = models.CharField(max_length=40)

    class Meta:
        db_table = "counter_grantsubject"
        constraints = [
            models.UniqueConstraint(fields=["grant", "subject"], name="grant_subject_unique")
        ]


class GrantAssist(models.Model):
    """A second staff member (a supervisor) working under a colleague's open grant.

    The assist lasts until the assistant leaves (`grant.assist_end`) or the host grant
    closes, whichever comes first; while it lasts the gateway lets the assistant see what
    the host grant's step allows of its persons, ledgered under the host grant.
    """

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="assists")
    staff = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT, related_name="assists")
    reason = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "counter_grantassist"
        indexes = [models.Index(fields=["staff", "ended_at"], name="assist_staff_open")]
