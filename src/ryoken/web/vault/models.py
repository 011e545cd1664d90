"""Vault tables: nothing here is plaintext personal data.

A `Subject` is a data subject known only by a pseudonymous id; its data key is stored
wrapped by the key-encryption key of the keyring (outside the database). Each `Value` is
AES-256-GCM ciphertext bound to its subject and field. `Token` rows are blind-index tokens
(HMAC under a separate key) for lookup by equality.
"""

from __future__ import annotations

from django.db import models


class Subject(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    wrapped_key = models.BinaryField(null=True)  # None once crypto-shredded
    kek_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    retain_until = models.DateField(null=True, blank=True)
    shredded_at = models.DateTimeField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    canary = models.BooleanField(default=False)

    class Meta:
        db_table = "vault_subject"
        indexes = [models.Index(fields=["retain_until"], name="vault_subject_retain")]


class Value(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="values")
    field = models.CharField(max_length=40)
    ciphertext = models.BinaryField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "vault_value"
        constraints = [
            models.UniqueConstraint(fields=["subject", "field"], name="vault_value_subject_field")
        ]


class Token(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="tokens")
    kind = models.CharField(max_length=20)
    token = models.CharField(max_length=64)

    class Meta:
        db_table = "vault_token"
        indexes = [models.Index(fields=["kind", "token"], name="vault_token_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["subject", "kind", "token"], name="vault_token_unique")
        ]
