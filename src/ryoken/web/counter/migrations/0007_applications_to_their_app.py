"""CounterSequence left the counter for the applications app, and the counter's links to an
application point at applications.Application (decision 0064): state only, no table changes
(the ticket-applications table and its columns keep their names)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("counter", "0006_grants_to_access"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name="CounterSequence",
                ),
                migrations.AlterField(
                    model_name="inquiry",
                    name="application",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="applications.application",
                    ),
                ),
                migrations.AlterField(
                    model_name="intakerecord",
                    name="application",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="intake",
                        to="applications.application",
                    ),
                ),
                migrations.AlterField(
                    model_name="printjob",
                    name="application",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="applications.application",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="applications",
                    field=models.ManyToManyField(blank=True, to="applications.application"),
                ),
            ],
        )
    ]
