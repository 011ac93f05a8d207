from django.db import migrations


def seed_categories(apps, schema_editor):
    from events.categories import DEFAULT_CATEGORIES

    Category = apps.get_model("events", "EventCategory")
    by_code = {}
    for code, name, level, hours, days, evidence in DEFAULT_CATEGORIES:
        by_code[code], _ = Category.objects.get_or_create(
            code=code,
            defaults=dict(name=name, parent=by_code.get(code[:-2]), accept_level=level,
                          accept_hours=hours, handle_days=days, evidence_required=evidence),
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [
        # Readable case numbers: SJ + date + a sequence that never repeats.
        migrations.RunSQL("CREATE SEQUENCE IF NOT EXISTS events_event_number_seq",
                          "DROP SEQUENCE IF EXISTS events_event_number_seq"),
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
    ]
