"""Who works at the office, for whom, until when, and with which qualifications.

Nothing here records nationality or any protected attribute: detection must never use
them. Qualifications an office's contract requires for a role are configuration the office
sets and records (`RoleRequirement`); the system enforces that they are present and current,
but it does not rely on them as a security control.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", _("窓口受付担当")
    ISSUANCE_CLERK = "issuance_clerk", _("交付担当")
    REVIEWER = "reviewer", _("審査担当")
    SUPERVISOR = "supervisor", _("監督者")
    PRIVACY_OFFICER = "privacy_officer", _("個人情報保護責任者")
    ADMINISTRATOR = "administrator", _("システム管理者")
    AUDITOR = "auditor", _("監査人")


class Employer(models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("都道府県")
        CONTRACTOR = "contractor", _("委託業者")

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    staff_id = models.CharField(max_length=20, unique=True)  # what the ledger records
    display_name = models.CharField(max_length=100)
    role = models.CharField(max_length=30, choices=Role.choices)
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT)
    office = models.CharField(max_length=20, default="TKY-IKB")
    contract_start = models.DateField()
    contract_end = models.DateField(null=True, blank=True)  # access ends after this day
    hired_on = models.DateField(null=True, blank=True)  # tenure, for alert-rate fairness
    notice_given_on = models.DateField(null=True, blank=True)  # resignation notice
    frozen = models.BooleanField(default=False)  # evidence hold: all access suspended
    # The blind-index token of the municipality the staff member lives in (from HR), so the
    # neighbourhood detector can compare it with a person's; the municipality itself is not kept.
    area_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return f"{self.staff_id} {self.display_name}"


class QualificationKind(models.Model):
    code = models.CharField(max_length=40, unique=True)
    label_ja = models.CharField(max_length=100)
    label_en = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.code


class RoleRequirement(models.Model):
    """The office's configuration: a role may act only with this qualification current."""

    role = models.CharField(max_length=30, choices=Role.choices)
    kind = models.ForeignKey(QualificationKind, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="role_requirement_unique")
        ]


class Qualification(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="qualifications")
    kind = models.ForeignKey(QualificationKind, on_delete=models.PROTECT)
    obtained_on = models.DateField()
    valid_until = models.DateField()  # inclusive
    recorded_by = models.CharField(max_length=20, blank=True, default="")


class Window(models.Model):
    """A counter window (窓口) where applicants are served."""

    class Kind(models.TextChoices):
        INTAKE = "intake", _("申請受付")
        PICKUP = "pickup", _("交付")
        LOSS = "loss", _("紛失届")

    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=50)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    office = models.CharField(max_length=20, default="TKY-IKB")

    def __str__(self) -> str:
        return self.label
