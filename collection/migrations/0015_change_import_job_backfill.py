"""Change rows written by earlier imports get their job (governance 0017): each job's audit
row names its seq range, and the rows of its dataset in that range are taken as its own.
Best effort by construction — a range may hold another writer's rows, which is why the
column now exists — and done once; new jobs write the column themselves."""

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
"""


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0014_index_hygiene"),
        ("governance", "0017_change_import_job"),
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
