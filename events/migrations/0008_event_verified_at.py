from django.db import migrations, models


class Migration(migrations.Migration):
    """The day a case was verified, for the rollups (`events.verified`); filled for the cases
    verified before from their 核查通过 trace."""

    dependencies = [
        ("events", "0007_views_source_staff"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="核查时间"),
        ),
        migrations.RunSQL(
            """
            UPDATE events_event e SET verified_at = v.at
            FROM (SELECT event_id, max(at) AS at FROM events_trace
                  WHERE action = 'verify' GROUP BY event_id) v
            WHERE v.event_id = e.id AND e.status IN ('verified', 'archived')
            """,
            migrations.RunSQL.noop,
        ),
    ]
