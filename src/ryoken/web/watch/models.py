"""The privacy office's records: cases and their notes, canaries, the watchlist, the watcher.

Nothing here is an applicant's personal data: a case names a staff id and cites ledger
sequence numbers; canaries and the watchlist name pseudonymous subject ids. Protected
attributes (nationality and the like) exist nowhere in the system, so detection cannot use
them; the fairness panel reports alert rates by employer kind, vendor and tenure instead.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Case(models.Model):
    """One staff member's alert, with the evidence that raised it and its triage.

    Evidence from later runs joins the case while it is open or under investigation. A
    dismissed case stays dismissed until evidence *after* the dismissal raises an alert on
    its own (`service.py`); a confirmed case is an incident and keeps collecting evidence.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("未着手")
        INVESTIGATING = "investigating", _("調査中")
        DISMISSED = "dismissed", _("問題なしで終了")
        CONFIRMED = "confirmed", _("事故と確定")

    staff_id = models.CharField(max_length=64)
    score = models.FloatField()
    first_alert_at = models.DateTimeField()
    first_signal_at = models.DateTimeField()
    last_signal_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    detectors = models.CharField(max_length=300, blank=True, default="")  # strongest first
    reasons_ja = models.JSONField(default=list)
    reasons_en = models.JSONField(default=list)
    # {"detectors": [{detector, signals, weight, persons, days, first_at, last_at, reason_ja,
    #   reason_en, seqs, notes}], "seqs": [ledger seqs cited, ascending]}
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=64, blank=True, default="")
    decision_reason = models.TextField(blank=True, default="")
    incident_ref = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["staff_id", "-id"], name="watch_case_staff"),
            models.Index(fields=["status", "-score"], name="watch_case_queue"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} {self.staff_id} {self.status}"

    @property
    def detector_list(self) -> list[str]:
        return [d for d in self.detectors.split(",") if d]

    @property
    def seqs(self) -> list[int]:
        return [int(s) for s in self.evidence.get("seqs", [])]


class CaseNote(models.Model):
    """A note on a case: a transition with its reason, an officer's note, or the system's."""

    class Kind(models.TextChoices):
        NOTE = "note", _("メモ")
        TRANSITION = "transition", _("状態の変更")
        SYSTEM = "system", _("システム")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField()
    author = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20, blank=True, default="")
    text = models.TextField(blank=True, default="")
    ledger_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def label(self) -> str:
        """What the watcher did, in the staff member's language (its notes carry no text)."""
        if self.author != "system":
            return ""
        if self.kind == self.Kind.SYSTEM:
            return str(_("検知の警告により事案を作成しました。"))
        return str(_("問題なしで終了した後の新しい証拠で、警告が再び出たため再開しました。"))

    @property
    def from_label(self) -> str:
        return str(Case.Status(self.from_status).label) if self.from_status else "–"

    @property
    def to_label(self) -> str:
        return str(Case.Status(self.to_status).label) if self.to_status else ""


class WatchState(models.Model):
    """The watcher's bookmark (one row): the last ledger entry it has looked at, when it last
    ran in full, and what that run measured (explained share, alert rates by staff group,
    exposure per applicant served) for the screens."""

    last_seq = models.BigIntegerField(default=-1)
    last_quick_at = models.DateTimeField(null=True, blank=True)
    last_full_at = models.DateTimeField(null=True, blank=True)
    last_full_seconds = models.FloatField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    @property
    def explained_percent(self) -> float | None:
        share = self.summary.get("explained_share")
        return None if share is None else 100 * float(share)

    @classmethod
    def load(cls) -> WatchState:
        state, _ = cls.objects.get_or_create(pk=1)
        return state


class CanaryPlacement(models.Model):
    """Where a canary applicant was planted: its window and/or clerk. Any exposure off that
    path is a case at once; its appearance in a leaked list names the window that saw it."""

    subject_id = models.CharField(max_length=40, unique=True)
    window = models.CharField(max_length=20, blank=True, default="")
    staff_id = models.CharField(max_length=64, blank=True, default="")
    planted_at = models.DateTimeField()
    planted_by = models.CharField(max_length=64)
    note = models.CharField(max_length=200, blank=True, default="")


class Watchlist(models.Model):
    """Persons (VIPs, people at risk) whose reading outside a task weighs heavily."""

    subject_id = models.CharField(max_length=40, unique=True)
    reason = models.TextField()
    added_by = models.CharField(max_length=64)
    added_at = models.DateTimeField()


class ImportedFile(models.Model):
    """An external-events file already imported (by content hash): never imported twice."""

    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    events = models.IntegerField()
    skipped_lines = models.IntegerField(default=0)
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=64)
