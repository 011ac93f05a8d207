"""Server-side binding (governance/settings/base.py, DATABASE_SERVER_BINDING): statements
used again on a connection are prepared — PostgreSQL plans them once — and bulk writes
stay under the protocol's 65,535 parameters a statement (governance/dbbackend)."""

import pytest
from django.db import connection

from governance.dbbackend.base import MAX_PARAMETERS
from governance.models import Change

pytestmark = pytest.mark.django_db


def _prepared(sql_fragment: str) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{sql_fragment}%"],
        )
        return cur.fetchone()[0]


def test_a_statement_used_again_is_prepared_on_its_connection():
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for dataset in ("a", "b", "c", "d", "e", "f"):  # the value changes, the statement not
        assert not Change.objects.filter(dataset=f"prepared-probe-{dataset}").exists()
    assert _prepared('FROM "governance_change" WHERE "governance_change"."dataset" = $') == 1


def test_a_bulk_write_larger_than_the_parameter_limit_is_batched():
    rows = MAX_PARAMETERS // 6 + 1_000  # six values a row: ~72,000 parameters
    Change.objects.bulk_create(
        Change(dataset="bulk-probe", object_id=str(i), op="create", area_path="220000000000/")
        for i in range(rows)
    )
    assert Change.objects.filter(dataset="bulk-probe").count() == rows
    fields = [f for f in Change._meta.concrete_fields if not f.primary_key]
    assert connection.ops.bulk_batch_size(fields, []) * len(fields) <= MAX_PARAMETERS
