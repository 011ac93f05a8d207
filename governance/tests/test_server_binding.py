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
    rows = MAX_PARAMETERS // 6 + 500  # six values a row: ~68,500 parameters
    Change.objects.bulk_create(
        Change(dataset="bulk-probe", object_id=str(i), op="create", area_path="220000000000/")
        for i in range(rows)
    )
    assert Change.objects.filter(dataset="bulk-probe").count() == rows
    fields = [f for f in Change._meta.concrete_fields if not f.primary_key]
    assert connection.ops.bulk_batch_size(fields, []) * len(fields) <= MAX_PARAMETERS


def test_an_in_list_longer_than_the_parameter_limit_is_one_array():
    """A province's evaluation can issue 100,000 warnings at once (risk/services.py reads
    them back by `pk__in`), a due-state run flag as many cases (events/services.py)."""
    from governance.models import Notification, User

    Change.objects.bulk_create(
        Change(dataset="in-probe", object_id=str(i), op="create", area_path="220000000000/")
        for i in range(1_000)
    )
    seqs = list(Change.objects.filter(dataset="in-probe").values_list("seq", flat=True))
    absent = list(range(-70_000, 0))  # ids no row has: 71,000 values in all
    assert Change.objects.filter(seq__in=seqs + absent).count() == 1_000  # the primary key
    assert Change.objects.filter(pk__in=[*seqs, *absent, None]).count() == 1_000
    names = [str(i) for i in range(71_000)]  # text values against a varchar column
    assert Change.objects.filter(dataset="in-probe", object_id__in=names).count() == 1_000
    # A value longer than the column matches nothing, not the row its first 64 characters
    # name (the array is not cast to varchar(64), which would cut it).
    long = [("7" * 64) + "x", *names[1_000:]]
    Change.objects.create(dataset="in-probe", object_id="7" * 64, op="create", area_path="")
    assert not Change.objects.filter(dataset="in-probe", object_id__in=long).exists()
    # A foreign key's own lookup (related fields have their own `in`).
    user = User.objects.create(username="in-probe")
    Notification.objects.create(user=user, kind="probe", title="probe")
    users = [user.pk, *absent]
    assert Notification.objects.filter(user__in=users).count() == 1
    assert Notification.objects.filter(user_id__in=users).count() == 1
    assert Change.objects.filter(seq__in=seqs[:3]).count() == 3  # short lists as before


def test_bulk_update_of_many_fields_is_batched_under_the_limit():
    rows = Change.objects.bulk_create(
        Change(dataset="upd-probe", object_id=str(i), op="create", area_path="220000000000/")
        for i in range(14_000)
    )
    for change in rows:
        change.op, change.area_path = "update", "220000000000/220100000000/"
    Change.objects.bulk_update(rows, ["op", "area_path"])  # 5 values a row: 70,000
    assert Change.objects.filter(dataset="upd-probe", op="update").count() == 14_000
