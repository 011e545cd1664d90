"""The relationship (続柄) is personal data: it lives in the vault like every other field.

`ApplicationPerson.relation` once held it in plaintext beside the encrypted values (for a
legal representative and an emergency contact). Writers now leave the column empty and put
the relation in the vault (catalogue field `relation`); `seal_relations` moves whatever
plaintext is left (old rows, the demo and replay seeds) into the vault through the gateway
and empties the column. Migration casework.0004 runs it once over existing data.
"""

from __future__ import annotations

from ryoken.web.applications.models import ApplicationPerson
from ryoken.web.vault import writes
from ryoken.web.vault.models import Value

PURPOSE = "relation.seal"


def seal_relations(*, actor: str = "system") -> int:
    """Encrypt every plaintext relation into its person's vault record; the rows moved."""
    moved = 0
    rows = ApplicationPerson.objects.exclude(relation="").order_by("pk")
    for row in rows.iterator():
        if not Value.objects.filter(subject_id=row.subject, field="relation").exists():
            writes.store(
                actor=actor,
                subject_id=row.subject,
                values={"relation": row.relation},
                purpose=PURPOSE,
                grant=None,
            )
        ApplicationPerson.objects.filter(pk=row.pk).update(relation="")
        moved += 1
    return moved
