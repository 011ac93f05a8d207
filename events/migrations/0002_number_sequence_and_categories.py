from django.db import migrations


def seed_categories(apps, schema_editor):
    from events.categories import categories_seed

    categories_seed(apps.get_model("events", "EventCategory"))


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [
        # Readable case numbers: SJ + date + a sequence that never repeats.
        migrations.RunSQL("CREATE SEQUENCE IF NOT EXISTS events_event_number_seq",
                          "DROP SEQUENCE IF EXISTS events_event_number_seq"),
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
    ]
