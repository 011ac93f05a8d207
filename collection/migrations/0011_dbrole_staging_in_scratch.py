from django.db import migrations

# Staging tables now live in the "scratch" schema, where the application role creates
# them. Those left in "public" by a preview not yet confirmed are dropped: confirming
# such a job then fails cleanly ("nothing was written, please upload again"), as after a
# database crash.
SQL = """
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
             AND c.relname ~ '^collection_import_[0-9]+$'
             AND pg_has_role(current_user, c.relowner, 'USAGE') LOOP
    EXECUTE format('DROP TABLE %s', t);
  END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0010_pdata_person_transfer"),
        ("governance", "0006_dbrole_scratch_schema"),
    ]
    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
