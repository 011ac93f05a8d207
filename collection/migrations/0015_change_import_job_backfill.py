"""Change rows written by earlier imports get their job (governance 0017). A job's audit row
names its seq range, but a range may hold another writer's rows (a grid worker's edit, or
a second job applied at once — two ranges then overlap), which is why the column now
exists. So a row is the job's only when the same merge statement also wrote the record's
verification task: same record, same statement time (`now()`), and the task's source
"导入 #<job> …" — an edit made one at a time writes no task, and overlapping jobs are told
apart. Done once; new jobs write the column themselves."""

from django.db import migrations

BACKFILL = """
UPDATE governance_change c SET import_job = j.id
FROM governance_auditlog a
JOIN collection_importjob j ON j.id::text = a.object_id
WHERE a.object_type = 'collection.importjob'
  AND a.action LIKE '%.import'
  AND jsonb_typeof(a.changes -> 'change_seq' -> 1 -> 0) = 'number'
  AND c.dataset = j.dataset
  AND c.import_job IS NULL
  AND c.seq BETWEEN (a.changes -> 'change_seq' -> 1 ->> 0)::bigint
                AND (a.changes -> 'change_seq' -> 1 ->> 1)::bigint
  AND EXISTS (
      SELECT 1 FROM collection_verificationtask t
      WHERE t.dataset = c.dataset AND t.object_id = c.object_id AND t.created_at = c.at
        AND t.source LIKE '导入 #' || j.id || ' %')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0014_index_hygiene"),
        ("governance", "0017_change_import_job"),
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
