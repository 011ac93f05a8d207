"""The application's ordinary writes under its own database role (governance/dbroles.py):
an import stages its rows in a table of its own in the scratch schema and drops it, a
case report writes its rows, sequence numbers and audit row, all without owning any
table in "public"."""

import pytest
from django.conf import settings
from django.db import connection

from collection import imports
from collection.importing.staging import stage_name
from collection.models import ImportJob, Person
from collection.tests.factories import GRID, apply, csv_bytes, good_rows, upload
from events.models import EventCategory
from events.services import event_report
from governance.dbroles import SCRATCH_SCHEMA
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


def _table_owner(name: str):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_user, (SELECT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE oid = to_regclass(%s))",
            [name],
        )
        return cur.fetchone()


def test_an_import_stages_in_the_scratch_schema_and_writes_as_the_app_role(importer):
    job = upload(importer, csv_bytes(good_rows(3)))
    assert job.status == ImportJob.Status.READY, job.error_message
    assert stage_name(job.pk) == f"{SCRATCH_SCHEMA}.collection_import_{job.pk}"
    # Created by the application role, which owns it (and so may drop it).
    assert _table_owner(stage_name(job.pk)) == (settings.DATABASE_APP_ROLE,) * 2
    assert _table_owner(f"public.collection_import_{job.pk}")[1] is None

    job = apply(importer, job)
    assert (job.status, job.creates) == (ImportJob.Status.DONE, 3)
    assert Person.objects.filter(name__startswith="居民").count() == 3
    # The job's audit row (as the app role: audit rows are insert-only) and its feed rows.
    assert AuditLog.objects.filter(action="person.import", object_id=str(job.pk)).exists()
    assert imports.import_job_records(job=job).count() == 3
    assert _table_owner(stage_name(job.pk))[1] is None  # dropped


def test_a_case_report_writes_under_the_app_role(make_user):
    grid = Area.objects.get(code=GRID)
    worker = make_user(Role.GRID_WORKER, GRID, "dbrole_worker")
    event = event_report(
        actor=worker,
        title="井盖缺失",
        category=EventCategory.objects.get(code="0101"),
        grid=grid,
        reporter_phone="13812345678",
    )
    assert event.number  # from events_event_number_seq: USAGE on sequences
    assert AuditLog.objects.filter(action="event.report", object_id=str(event.pk)).exists()
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] == settings.DATABASE_APP_ROLE
