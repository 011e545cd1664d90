"""Queue tickets, inquiries and print/copy jobs: the work that justifies every disclosure
(the grants themselves are the access app's)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Ticket(models.Model):
    class Purpose(models.TextChoices):
        APPLICATION = "application", _("申請")
        PICKUP = "pickup", _("受取")
        LOSS_REPORT = "loss_report", _("紛失届")

    class Status(models.TextChoices):
        WAITING = "waiting", _("待機中")
        CALLED = "called", _("呼出中")
        CLOSED = "closed", _("終了")
        NO_SHOW = "no_show", _("不在")

    number = models.CharField(max_length=10)  # "A-023", shown on the kiosk slip
    office = models.CharField(max_length=20, default="TKY-IKB")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    issued_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    window = models.ForeignKey("accounts.Window", null=True, blank=True, on_delete=models.PROTECT)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.PROTECT)
    # The applications this visit is about (a family is served on one ticket).
    applications = models.ManyToManyField("applications.Application", blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "purpose"], name="ticket_queue")]

    def __str__(self) -> str:
        return self.number


class Inquiry(models.Model):
    """A phone or status inquiry (電話照会・状況確認): what the desk asked and found.

    The reception or callback number is kept only as a keyed hash (the vault's blind-index
    key), as the ledger has it; the application is set once the caller's is found.
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("電話照会")
        STATUS = "status", _("状況確認")
        COUNTER_STATUS = "counter_status", _("窓口での状況確認")

    grant = models.OneToOneField("access.Grant", on_delete=models.PROTECT, related_name="inquiry")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number_kind = models.CharField(max_length=10)  # "reception" or "callback"
    number_hash = models.CharField(max_length=80)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT
    )


class PrintJob(models.Model):
    """Every print or copy goes through the system with a reason and a watermark id."""

    class Kind(models.TextChoices):
        PRINT = "print", _("印刷")
        COPY = "copy", _("複写")

    job_id = models.CharField(max_length=40, unique=True)
    watermark = models.CharField(max_length=20, unique=True)  # printed on every page
    kind = models.CharField(max_length=10, choices=Kind.choices)
    document = models.CharField(max_length=40)
    reason = models.TextField()
    staff = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT)
    grant = models.ForeignKey("access.Grant", null=True, blank=True, on_delete=models.PROTECT)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT
    )
    subjects = models.TextField(blank=True, default="")
    pages = models.SmallIntegerField(default=1)
    created_at = models.DateTimeField()
    ledger_seq = models.BigIntegerField(null=True, blank=True)


class IntakeRecord(models.Model):
    """What the counter established at intake that the acceptance rules need later.

    No personal data: flags and dates about the application, never values about a person.
    The passport's own number stays in the vault (previous_passport).
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="intake"
    )
    created_by = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    applicant_minor = models.BooleanField(default=False)  # under 18 on the application date
    proxy_relation = models.CharField(max_length=40, blank=True, default="")  # ProxyRelation
    non_hepburn = models.BooleanField(default=False)  # 非ヘボン式 requested at the romaji step
    romaji_rule = models.CharField(max_length=40, blank=True, default="")
    record_changes = models.CharField(max_length=100, blank=True, default="")  # comma-separated
    passport_damaged = models.BooleanField(default=False)
    visa_pages_full = models.BooleanField(default=False)
    ic_chip_failed = models.BooleanField(default=False)
    current_passport_issued = models.DateField(null=True, blank=True)
    current_passport_expiry = models.DateField(null=True, blank=True)
    scanned = models.CharField(max_length=100, blank=True, default="")  # document kinds, commas

    def scanned_set(self) -> set[str]:
        return {s for s in self.scanned.split(",") if s}


class WindowChoice(models.Model):
    """The window a staff member last chose on a queue screen, kept across logins.

    One row per staff member and desk (the application queue, the pickup/loss queue): a
    supervisor who covers both keeps a window for each. Not personal data of applicants.
    """

    class Desk(models.TextChoices):
        INTAKE = "intake", _("申請受付")
        PICKUP = "pickup", _("交付・紛失届")

    staff = models.ForeignKey(
        "accounts.Staff", on_delete=models.CASCADE, related_name="window_choices"
    )
    desk = models.CharField(max_length=10, choices=Desk.choices)
    window = models.ForeignKey("accounts.Window", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "desk"], name="window_choice_per_desk")
        ]
