"""The witnesses' cosignatures are append-only too (UPDATE, DELETE and TRUNCATE refused)."""

from django.db import migrations

from ryoken.web.ledger.triggers import create_triggers, drop_triggers

COSIGNATURES = ("ledger_cosignature",)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_cosignature")]
    operations = [
        migrations.RunPython(
            lambda apps, editor: create_triggers(editor.connection, COSIGNATURES),
            lambda apps, editor: drop_triggers(editor.connection, COSIGNATURES),
        )
    ]
