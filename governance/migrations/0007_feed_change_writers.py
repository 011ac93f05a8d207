"""Every transaction that writes change rows registers itself as a feed writer before
its rows draw their seq (governance/changes.py explains why and proves the cursor
gap-free); a statement trigger makes that structural, for raw SQL writers too."""

from django.db import migrations, models

FEED_LOCK_BASE = 0x4747_0000_0000_0000

CREATE = f"""
CREATE FUNCTION governance_change_register() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({FEED_LOCK_BASE} + last_value)
    FROM governance_change_seq_seq;
    RETURN NULL;
END $$;
CREATE TRIGGER governance_change_register BEFORE INSERT ON governance_change
    FOR EACH STATEMENT EXECUTE FUNCTION governance_change_register();
-- The proof needs every value <= last_value to be drawn already: no cached blocks.
ALTER SEQUENCE governance_change_seq_seq CACHE 1;
"""

DROP = """
DROP TRIGGER IF EXISTS governance_change_register ON governance_change;
DROP FUNCTION IF EXISTS governance_change_register();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0006_dbrole_scratch_schema'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='change',
            index=models.Index(fields=['dataset', 'object_id', 'seq'],
                               name='governance_change_object'),
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
