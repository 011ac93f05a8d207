"""Special-group tags are ended rather than deleted: end date and reason, and at most one
active tag of a kind per person (ended ones stay as history)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("collection", "0004_import_datasets"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="persontag",
            name="uniq_person_tag",
        ),
        migrations.AddField(
            model_name="persontag",
            name="end_date",
            field=models.DateField(blank=True, null=True, verbose_name="结束日期"),
        ),
        migrations.AddField(
            model_name="persontag",
            name="ended_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="结束原因"),
        ),
        migrations.AddConstraint(
            model_name="persontag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("end_date__isnull", True)),
                fields=("person", "tag"),
                name="uniq_active_person_tag",
            ),
        ),
    ]
