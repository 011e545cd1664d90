"""The database refuses UPDATE, DELETE (and TRUNCATE) on every ledger table."""

from django.db import migrations

from ryoken.web.ledger.triggers import FIRST_TABLES, create_triggers, drop_triggers


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        migrations.RunPython(
            lambda apps, editor: create_triggers(editor.connection, FIRST_TABLES),
            lambda apps, editor: drop_triggers(editor.connection, FIRST_TABLES),
        )
    ]
