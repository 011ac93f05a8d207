from django.db import migrations

# The one schema where the application role may create (and so drop) tables of its own:
# an import's staging table (governance/dbroles.py SCRATCH_SCHEMA, granted after every
# migration). It owns nothing in "public".


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_change_feed")]
    operations = [
        migrations.RunSQL("CREATE SCHEMA IF NOT EXISTS scratch",
                          "DROP SCHEMA IF EXISTS scratch CASCADE"),
    ]
