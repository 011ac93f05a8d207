from django.db import migrations

# The audit trail is append-only at the database level: no UPDATE or DELETE reaches
# it through any code path of the application (TRUNCATE stays possible for the
# database owner's maintenance and the test runner's flush).
SQL = """
CREATE OR REPLACE FUNCTION governance_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only (审计日志不可修改或删除)'
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER auditlog_no_update_delete
  BEFORE UPDATE OR DELETE ON governance_auditlog
  FOR EACH ROW EXECUTE FUNCTION governance_auditlog_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS auditlog_no_update_delete ON governance_auditlog;
DROP FUNCTION IF EXISTS governance_auditlog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
