"""Server-side binding (governance/settings/base.py, DATABASE_SERVER_BINDING): statements
used again on a connection are prepared — PostgreSQL plans them once — and bulk writes
stay under the protocol's 65,535 parameters a statement (governance/dbbackend)."""

import pytest
from django.db import connection

from governance.dbbackend.base import MAX_PARAMETERS
from governance.models import Change

pytestmark = pytest.mark.django_db


def _prepared_statements(sql_fragment: str) -> tuple[int, int]:
    """How many statements containing `sql_fragment` are prepared on this connection, and
    how many times PostgreSQL ran them (their plans, custom or generic)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), coalesce(sum(generic_plans + custom_plans), 0)"
            " FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{sql_fragment}%"],
        )
        return cur.fetchone()


def _prepared(sql_fragment: str) -> int:
    return _prepared_statements(sql_fragment)[0]


def _runs_of(sql_fragment: str) -> int:
    return _prepared_statements(sql_fragment)[1]


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


_PROBE = 'FROM "governance_change" WHERE "governance_change"."dataset" = $'


def _prepare_probe() -> None:
    for n in range(6):
        assert not Change.objects.filter(dataset=f"kept-probe-{n}").exists()
    assert _prepared(_PROBE) == 1


class _Refused(Exception):
    pass


def _still_prepared_after(rollback) -> None:
    _prepare_probe()
    rollback()
    # Still on the server, and psycopg still runs it by its name (not parsed afresh).
    assert _prepared(_PROBE) == 1
    runs = _runs_of(_PROBE)
    assert not Change.objects.filter(dataset="kept-probe-after").exists()
    assert _runs_of(_PROBE) == runs + 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_keeps_the_prepared_statements():
    """A refused step rolls its transaction back (events/services.py raises inside
    transaction.atomic); psycopg would forget every prepared statement of the connection."""
    from django.db import transaction

    def refused_step():
        with pytest.raises(_Refused), transaction.atomic():
            Change.objects.filter(dataset="kept-probe-inside").exists()
            raise _Refused

    connection.ensure_connection()
    _still_prepared_after(refused_step)
    assert not connection.in_atomic_block


def test_a_rolled_back_savepoint_keeps_the_prepared_statements():
    from django.db import IntegrityError, transaction

    def failed_insert():
        with pytest.raises(IntegrityError), transaction.atomic():  # a savepoint here
            Change.objects.create(dataset=None, object_id="x", op="create", area_path="")

    _still_prepared_after(failed_insert)


@pytest.mark.django_db(transaction=True)
def test_a_statement_failing_inside_the_transaction_still_rolls_back_cleanly():
    """The rollback after a failed statement (an aborted transaction) works as before, and
    what the transaction wrote is gone."""
    from django.db import DatabaseError, transaction

    _prepare_probe()
    with pytest.raises(DatabaseError), transaction.atomic():
        Change.objects.create(dataset="kept-rolled-back", object_id="1", op="create", area_path="")
        with connection.cursor() as cur:
            cur.execute("SELECT 1 / 0")
    assert not Change.objects.filter(dataset="kept-rolled-back").exists()
    assert _prepared(_PROBE) == 1
