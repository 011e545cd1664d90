"""Application and ApplicationPerson left casework for the applications app (decision 0064):
state only; Review and OnlineSubmission point at applications.Application, same columns."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("casework", "0005_grant_in_access"),
        ("counter", "0007_applications_to_their_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="application",
                    name="batch",
                ),
                migrations.AlterField(
                    model_name="onlinesubmission",
                    name="application",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="online_submission",
                        to="applications.application",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="application",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="applications.application",
                    ),
                ),
                migrations.DeleteModel(
                    name="ApplicationPerson",
                ),
                migrations.DeleteModel(
                    name="Application",
                ),
            ],
        )
    ]
