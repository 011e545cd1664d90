"""Ledger tables. Rows are only ever inserted: triggers refuse UPDATE and DELETE.

`Entry.data` is the canonical bytes of one event (`ryoken.audit.events.entry_bytes`), and
`Entry.leaf_hash` its RFC 6962 leaf hash. `Node` holds the hash of every complete subtree
above the leaves, so proofs and roots cost O(log n) reads. The columns beside `data`
(code, actor, at, grant, subjects) are copies for querying; `ryoken audit verify` checks
them against `data`.
"""

from __future__ import annotations

from django.db import models


class Entry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    code = models.CharField(max_length=40)
    actor = models.CharField(max_length=64)
    grant = models.CharField(max_length=64, blank=True, default="")
    subjects = models.TextField(blank=True, default="")  # space-separated subject ids
    data = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_entry"
        indexes = [
            models.Index(fields=["actor", "at"], name="ledger_entry_actor_at"),
            models.Index(fields=["code", "at"], name="ledger_entry_code_at"),
        ]
        # No index on `at` alone: no query uses one (migration 0005 says which do what). On
        # SQLite `seq` is an INTEGER PRIMARY KEY, the table's own key (migration 0005).


class EntrySubject(models.Model):
    """One row per (entry, subject): answers "who saw this person" without a scan.

    The key is (subject, seq) and there is nothing else: on SQLite a WITHOUT ROWID table, so
    a link is one B-tree insert (migration 0005). An entry that names a subject twice has one
    link for it. `ryoken audit verify` compares the whole table with what the entries name
    (`ledger.audit._Links`)."""

    pk = models.CompositePrimaryKey("subject", "seq")
    subject = models.CharField(max_length=40)
    seq = models.BigIntegerField()

    class Meta:
        db_table = "ledger_entry_subject"


class Node(models.Model):
    """Hash of the complete subtree (level, idx): leaves [idx*2^level, (idx+1)*2^level)."""

    level = models.SmallIntegerField()
    idx = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_node"
        constraints = [
            models.UniqueConstraint(fields=["level", "idx"], name="ledger_node_level_idx")
        ]


class Checkpoint(models.Model):
    size = models.BigIntegerField(unique=True)
    root = models.BinaryField(max_length=32)
    at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.BinaryField(max_length=64)

    class Meta:
        db_table = "ledger_checkpoint"


class Cosignature(models.Model):
    """An external witness's cosignature (C2SP tlog-cosignature v1) of the checkpoint at
    `size`. Checked by `ryoken audit verify` against the witness keys in the configuration:
    a deleted or altered row shows as a lagging or invalid witness."""

    size = models.BigIntegerField()
    name = models.CharField(max_length=200)  # the witness's key name
    key_id = models.BigIntegerField()  # the 32-bit C2SP key ID
    signature = models.BinaryField(max_length=72)  # timestamp (8 bytes) || Ed25519 signature
    at = models.DateTimeField()  # the cosignature's own timestamp

    class Meta:
        db_table = "ledger_cosignature"
        constraints = [
            models.UniqueConstraint(fields=["size", "name", "key_id"], name="ledger_cosig_once")
        ]
