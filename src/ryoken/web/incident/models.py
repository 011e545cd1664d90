"""Incidents and the evidence holds placed for them.

An `Incident` is what the privacy office opens on the day the police call: who is
suspected, over which period, and whether the leak was (or may have been) for an unlawful
purpose — the facts that decide scoping and the APPI deadlines. A `Hold` is one evidence
hold: the suspect frozen, the exposed subjects under legal hold, and the signed evidence
bundle exported at that moment (kept here so the office can hand the same bytes out again).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("対応中")
        HELD = "held", _("証拠保全済")
        REPORTED = "reported", _("報告済")
        CLOSED = "closed", _("終了")

    title = models.CharField(max_length=200)
    learned_on = (
        models.DateField()
    )  # the day the office learned of it: APPI deadlines count from it
    suspects = models.JSONField(default=list)  # staff ids
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    unlawful_purpose = models.BooleanField(default=True)
    case_id = models.IntegerField(null=True, blank=True)  # the watch case, if one raised it
    created_by = models.CharField(max_length=20)  # staff id
    created_at = models.DateTimeField()
    # The report's items the privacy officer writes (① ④–⑨ and the notices' ①), by name
    # (`service.FACT_ITEMS`); ② and ③ are never typed, they come from the scoping.
    facts = models.JSONField(default=dict, blank=True)
    facts_updated_at = models.DateTimeField(null=True, blank=True)
    facts_updated_by = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class Hold(models.Model):
    """Subjects under legal hold for an incident: listed ids, or all of a staff member's
    exposures in the incident's period (`staff_id` set)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="holds")
    staff_id = models.CharField(max_length=20, blank=True, default="")
    subjects = models.JSONField(default=list)
    placed_at = models.DateTimeField()
    placed_by = models.CharField(max_length=20)
    checkpoint_size = models.BigIntegerField(null=True, blank=True)
    bundle = models.BinaryField(null=True, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-placed_at"]
