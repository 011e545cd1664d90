"""A break-glass review's grant is the access app's Grant now (decision 0064): state only,
the column and its foreign key to counter_grant are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("casework", "0004_seal_relations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="breakglassreview",
                    name="grant",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="breakglass_review",
                        to="access.grant",
                    ),
                ),
            ],
        )
    ]
