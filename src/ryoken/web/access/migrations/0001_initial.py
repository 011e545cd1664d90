"""Grant, GrantSubject and GrantAssist, moved here from the counter app (decision 0064).

State only: the tables were created by the counter's migrations and keep their names
(counter_grant, counter_grantsubject, counter_grantassist); nothing in the database changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_staff_area_token"),
        ("casework", "0004_seal_relations"),
        ("counter", "0005_window_choice"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Grant",
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
                        ("grant_id", models.CharField(max_length=40, unique=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("counter", "窓口"),
                                    ("review", "審査"),
                                    ("qa", "品質確認"),
                                    ("production", "発注"),
                                    ("break_glass", "緊急アクセス"),
                                    ("inquiry", "照会"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("step", models.CharField(max_length=20)),
                        ("opened_at", models.DateTimeField()),
                        ("expires_at", models.DateTimeField()),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("reason", models.TextField(blank=True, default="")),
                        ("reviewed_by", models.CharField(blank=True, default="", max_length=20)),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                        ("review_note", models.TextField(blank=True, default="")),
                        ("purpose", models.CharField(blank=True, default="", max_length=30)),
                        ("cosign_required", models.BooleanField(default=False)),
                        ("cosigned_by", models.CharField(blank=True, default="", max_length=20)),
                        ("cosigned_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "review",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="casework.review",
                            ),
                        ),
                        (
                            "staff",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="grants",
                                to="accounts.staff",
                            ),
                        ),
                        (
                            "ticket",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="counter.ticket",
                            ),
                        ),
                        (
                            "window",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="accounts.window",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "counter_grant",
                    },
                ),
                migrations.CreateModel(
                    name="GrantAssist",
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
                        ("reason", models.TextField(blank=True, default="")),
                        ("started_at", models.DateTimeField()),
                        ("ended_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "grant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assists",
                                to="access.grant",
                            ),
                        ),
                        (
                            "staff",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assists",
                                to="accounts.staff",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "counter_grantassist",
                    },
                ),
                migrations.CreateModel(
                    name="GrantSubject",
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
                            "grant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="subjects",
                                to="access.grant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "counter_grantsubject",
                    },
                ),
                migrations.AddIndex(
                    model_name="grant",
                    index=models.Index(fields=["staff", "closed_at"], name="grant_staff_open"),
                ),
                migrations.AddIndex(
                    model_name="grantassist",
                    index=models.Index(fields=["staff", "ended_at"], name="assist_staff_open"),
                ),
                migrations.AddConstraint(
                    model_name="grantsubject",
                    constraint=models.UniqueConstraint(
                        fields=("grant", "subject"), name="grant_subject_unique"
                    ),
                ),
            ],
        )
    ]
