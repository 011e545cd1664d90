"""Encrypt the plaintext relationship (続柄) of application persons into the vault.

Runs through the gateway (keys needed, a `subject.write` event per person), so a database
with such rows must be migrated where the keys are; an empty database needs nothing."""

from __future__ import annotations

from django.db import migrations


def seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    person = apps.get_model("casework", "ApplicationPerson")
    if not person.objects.exclude(relation="").exists():
        return
    from ryoken.web.casework.relations import seal_relations

    seal_relations(actor="migration")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0003_online_flags"),
        ("vault", "0001_initial"),
        ("ledger", "0002_append_only"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
