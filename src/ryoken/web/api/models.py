"""Machine clients of the API and the external records they have already delivered.

A client's token is shown once when it is created and stored only as its SHA-256 digest:
a stolen database or backup holds nothing that authenticates.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    class Kind(models.TextChoices):
        KIOSK = "kiosk", _("発券機")
        COPIER = "copier", _("複合機")
        BUREAU = "bureau", _("国立印刷局連携")
        BADGE = "badge", _("入退室管理")

    name = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the token
    active = models.BooleanField(default=True)
    office = models.CharField(max_length=20, default="TKY-IKB")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class SeenRecord(models.Model):
    """An external record (copier job, badge event) already in the ledger.

    A device that times out re-sends its batch; the (client, uid) pair makes that harmless.
    The row is written in the same transaction as the ledger entry it points to.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="seen")
    uid = models.CharField(max_length=100)
    ledger_seq = models.BigIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "uid"], name="api_seen_client_uid")
        ]
        indexes = [models.Index(fields=["received_at"], name="api_seen_received")]
