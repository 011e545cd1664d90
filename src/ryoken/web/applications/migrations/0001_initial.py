"""Application, ApplicationPerson and CounterSequence, moved here from casework and the counter
(decision 0064). State only: the tables keep their names (casework_application,
casework_applicationperson, counter_sequence, created by those apps' migrations)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("casework", "0005_grant_in_access"),
        ("counter", "0006_grants_to_access"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CounterSequence",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=120, unique=True)),
                        ("value", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "counter_sequence",
                    },
                ),
                migrations.CreateModel(
                    name="Application",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "reception_number",
                            models.CharField(blank=True, max_length=40, null=True, unique=True),
                        ),
                        ("office", models.CharField(default="TKY-IKB", max_length=20)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("new", "new"),
                                    ("renewal", "renewal"),
                                    ("record_change", "record_change"),
                                    ("record_change_same_expiry", "record_change_same_expiry"),
                                    ("loss_report", "loss_report"),
                                ],
                                max_length=30,
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[("paper", "paper"), ("online", "online")], max_length=10
                            ),
                        ),
                        ("state", models.CharField(default="draft", max_length=30)),
                        ("applicant", models.CharField(max_length=40)),
                        ("application_date", models.DateField()),
                        ("created_at", models.DateTimeField()),
                        ("accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("accepted_by", models.CharField(blank=True, default="", max_length=20)),
                        ("requested_validity", models.SmallIntegerField(blank=True, null=True)),
                        ("validity_years", models.SmallIntegerField(blank=True, null=True)),
                        ("criminal_record_yes", models.BooleanField(default=False)),
                        ("proxy", models.BooleanField(default=False)),
                        ("romaji_confirmed", models.BooleanField(default=False)),
                        ("fee_national", models.IntegerField(blank=True, null=True)),
                        ("fee_prefectural", models.IntegerField(blank=True, null=True)),
                        ("issue_date", models.DateField(blank=True, null=True)),
                        ("expiry_date", models.DateField(blank=True, null=True)),
                        ("issued_at", models.DateTimeField(blank=True, null=True)),
                        ("issued_by", models.CharField(blank=True, default="", max_length=20)),
                        ("old_passport_returned", models.BooleanField(default=False)),
                        ("fee_paid", models.BooleanField(default=False)),
                        ("lapsed_on", models.DateField(blank=True, null=True)),
                        ("canary", models.BooleanField(default=False)),
                        (
                            "batch",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="items",
                                to="casework.productionbatch",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "casework_application",
                    },
                ),
                migrations.CreateModel(
                    name="ApplicationPerson",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("subject", models.CharField(max_length=40)),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("applicant", "applicant"),
                                    ("family_member", "family_member"),
                                    ("legal_representative", "legal_representative"),
                                    ("emergency_contact", "emergency_contact"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("relation", models.CharField(blank=True, default="", max_length=20)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="persons",
                                to="applications.application",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "casework_applicationperson",
                    },
                ),
                migrations.AddIndex(
                    model_name="application",
                    index=models.Index(fields=["state"], name="application_state"),
                ),
                migrations.AddIndex(
                    model_name="application",
                    index=models.Index(fields=["applicant"], name="application_applicant"),
                ),
                migrations.AddIndex(
                    model_name="applicationperson",
                    index=models.Index(fields=["subject"], name="application_person_subject"),
                ),
                migrations.AddConstraint(
                    model_name="applicationperson",
                    constraint=models.UniqueConstraint(
                        fields=("application", "subject", "role"), name="application_person_unique"
                    ),
                ),
            ],
        )
    ]
