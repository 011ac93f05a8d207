"""An import job's trace holds exactly its own records when other writers draw change-feed
numbers in the middle of its merge: a grid worker's edit, and a second job applied
meanwhile (the two batch workers). The merge is held after drawing its first number by a
lock that the test holds from a second connection, taken by a row trigger of this test
only. The backfill of earlier jobs' rows (collection migration 0015) is checked on the same
interleaved rows.

Transactional: the merge and the edit are separate transactions on separate connections."""

from __future__ import annotations

import importlib
import threading
import time

import pytest
from django.db import connection

from collection import imports
from collection.models import ImportJob, Person
from collection.services import person_create
from collection.tests.factories import GRID, csv_bytes, good_rows, numbered_id, upload
from governance.dbroles import owner_connection
from governance.models import AuditLog, Change
from governance.roles import Role
from governance.tests.factories import other_connection
from grids.models import Area

pytestmark = pytest.mark.django_db(transaction=True)

LOCK = 0x7E57_1D0B
# A row trigger that waits for the test's lock, only in a session that asked for it.
PAUSE = f"""
CREATE FUNCTION test_pause_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock({LOCK}); RETURN NEW; END $$;
CREATE TRIGGER test_pause_feed BEFORE INSERT ON governance_change FOR EACH ROW
WHEN (current_setting('gridgov.test_pause_feed', true) = 'on')
EXECUTE FUNCTION test_pause_feed();
"""
UNPAUSE = """
DROP TRIGGER IF EXISTS test_pause_feed ON governance_change;
DROP FUNCTION IF EXISTS test_pause_feed();
"""


def merge_waiting() -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return cur.fetchone()[0] > 0


BACKFILL = importlib.import_module("collection.migrations.0015_change_import_job_backfill").BACKFILL


def other_rows(n: int) -> list[list[str]]:
    rows = good_rows(n)
    for i, row in enumerate(rows):
        row[0], row[1] = f"乙居民{i}", numbered_id(20 + i)
    return rows


def test_an_edit_and_a_job_during_the_merge_are_not_claimed_by_the_job(
    demo_areas, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    importer = make_user(Role.COUNTY_DISPATCHER, "220102000000", "trace_importer")
    job = upload(importer, csv_bytes(good_rows(5)))
    assert job.status == ImportJob.Status.READY and job.creates == 5
    second = upload(importer, csv_bytes(other_rows(3)), name="second.csv")
    grid = Area.objects.get(code=GRID)

    def apply_paused():
        try:
            with connection.cursor() as cur:
                cur.execute("SET gridgov.test_pause_feed = 'on'")
            imports.import_job_apply_request(actor=importer, job=job)
            imports.import_job_apply(job_id=job.pk)
        finally:
            connection.close()

    with owner_connection() as owner, owner.cursor() as cur:  # the app role has no DDL
        cur.execute(PAUSE)
    blocker = other_connection()
    merging = threading.Thread(target=apply_paused)
    try:
        blocker.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        merging.start()
        deadline = time.monotonic() + 30
        while not merge_waiting():  # the merge has drawn its first change number
            assert time.monotonic() < deadline, "the merge never reached the change feed"
            time.sleep(0.05)
        # A grid worker registers someone else meanwhile: its change row draws the next
        # number, inside the range the job's numbers will span.
        edited = person_create(actor=importer, grid=grid, name="同时登记", id_number=numbered_id(9))
        # ... and the other batch worker applies another job.
        imports.import_job_apply_request(actor=importer, job=second)
        imports.import_job_apply(job_id=second.pk)
        blocker.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
        merging.join(60)
        assert not merging.is_alive()
    finally:
        blocker.close()
        with owner_connection() as owner, owner.cursor() as cur:
            cur.execute(UNPAUSE)

    job.refresh_from_db()
    assert (job.status, job.creates) == (ImportJob.Status.DONE, 5)
    summary = AuditLog.objects.get(action="person.import", object_id=str(job.pk))
    first, last = summary.changes["change_seq"][1]
    edit_seq = Change.objects.get(dataset="people", object_id=str(edited.pk)).seq
    assert first < edit_seq < last  # the interleaving this test is about happened

    imported = set(Person.objects.filter(name__startswith="居民").values_list("pk", flat=True))
    by_second = set(Person.objects.filter(name__startswith="乙居民").values_list("pk", flat=True))
    assert Change.objects.get(dataset="people", object_id=str(min(by_second))).seq < last

    def traced():
        return {
            pk: {int(c.object_id) for c in imports.import_job_records(job=j)}
            for pk, j in ((job.pk, job), (second.pk, second))
        }

    assert traced() == {job.pk: imported, second.pk: by_second}
    assert imports.record_import_audit(dataset="people", object_id=edited.pk) == []
    assert all(
        imports.record_import_audit(dataset="people", object_id=pk) == [summary] for pk in imported
    )

    # Rows written before the column existed: the backfill tells the two jobs and the edit
    # apart although the first job's range holds them all.
    with owner_connection() as owner, owner.cursor() as cur:
        cur.execute("UPDATE governance_change SET import_job = NULL")
        cur.execute(BACKFILL)
    assert traced() == {job.pk: imported, second.pk: by_second}
    assert Change.objects.get(dataset="people", object_id=str(edited.pk)).import_job is None
