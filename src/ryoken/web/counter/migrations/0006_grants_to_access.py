"""Grant, GrantSubject and GrantAssist left the counter for the access app (decision 0064).

State only: the access app's 0001 took over the same tables, so this forgets the models and
points Inquiry and PrintJob at access.Grant without touching the database.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("casework", "0005_grant_in_access"),
        ("counter", "0005_window_choice"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="grant",
                    name="review",
                ),
                migrations.RemoveField(
                    model_name="grant",
                    name="staff",
                ),
                migrations.RemoveField(
                    model_name="grant",
                    name="ticket",
                ),
                migrations.RemoveField(
                    model_name="grant",
                    name="window",
                ),
                migrations.RemoveField(
                    model_name="grantassist",
                    name="grant",
                ),
                migrations.AlterField(
                    model_name="inquiry",
                    name="grant",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inquiry",
                        to="access.grant",
                    ),
                ),
                migrations.AlterField(
                    model_name="printjob",
                    name="grant",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="access.grant",
                    ),
                ),
                migrations.RemoveField(
                    model_name="grantassist",
                    name="staff",
                ),
                migrations.DeleteModel(
                    name="GrantSubject",
                ),
                migrations.DeleteModel(
                    name="Grant",
                ),
                migrations.DeleteModel(
                    name="GrantAssist",
                ),
            ],
        )
    ]
