"""Applications and the people in them. No plaintext personal data: persons are vault ids.

The state machine and every rule live in `ryoken.domain.applications`; these rows record
where an application is. Passport numbers are personal data and live in the vault. The
tables kept their names from the apps these models lived in before (decision 0064): the
counter and casework both build on them, so they sit below both.
"""

from __future__ import annotations

from django.db import models

from ryoken.domain.applications import ApplicationKind, ApplicationState, Channel
from ryoken.domain.fields import SubjectRole


def _choices(enum: type) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]  # type: ignore[attr-defined]


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
        "casework.ProductionBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
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
        db_table = "casework_application"  # kept from before the applications app (0064)
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
        db_table = "casework_applicationperson"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "subject", "role"], name="application_person_unique"
            )
        ]
        indexes = [models.Index(fields=["subject"], name="application_person_subject")]


class CounterSequence(models.Model):
    """A named counter (reception numbers, queue tickets), advanced under its row's lock.

    `numbers.DbSequenceStore` is the only writer: one UPDATE ... SET value = value + 1
    per allocation, so two counters never get the same value (see numbers.py).
    """

    key = models.CharField(max_length=120, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "counter_sequence"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
