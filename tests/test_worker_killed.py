"""Nothing lost when a worker dies: a real Celery worker process (tests/worker_process.py)
is killed with SIGKILL in the middle of a job that writes, and the test checks that
nothing was half-written, that the job is picked up again within a bounded time, and
that it is done exactly once — by the sweeper for jobs with a state row (imports), by
the broker's redelivery (late acknowledgement, short visibility timeout) otherwise.

The job is stopped at a known point by a lock the test holds from a second connection,
so the kill lands while the worker's transaction has written and not committed.
Transactional: the worker has its own connections (the database is flushed afterwards;
`demo_areas` reloads the counties)."""

from __future__ import annotations

import pytest
from django.db import connection

from collection import imports
from collection.importing.staging import stage_name
from collection.models import ImportJob, Person
from collection.tests.factories import csv_bytes, good_rows, upload
from governance.models import AuditLog
from governance.roles import Role
from governance.tests.factories import other_connection
from tests.worker_process import VISIBILITY_TIMEOUT, WorkerProcess, private_queue, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

APPLY = "collection.tasks.apply_import_task"
VALIDATE = "collection.tasks.validate_import_task"
S = ImportJob.Status


def rows(n: int) -> list[list[str]]:
    out = good_rows(n)
    for i, row in enumerate(out):
        row[2] = f"138{i:08d}"  # a valid mobile number for every row
    return out


def runs(worker: WorkerProcess, task: str) -> int:
    """How many times `worker` ran `task` to the end (its log at level info)."""
    return sum(
        1
        for line in worker.output().splitlines()
        if f"Task {task}[" in line and "succeeded" in line
    )


def waiting_on_lock(table: str) -> bool:
    """A backend of the test database waits for a lock, in a statement naming `table`."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            [f"%{table}%"],
        )
        return cur.fetchone()[0] > 0


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_import_killed_mid_merge_writes_nothing_and_is_applied_once_after_recovery(
    demo_areas, make_user, media, monkeypatch, settings, tmp_path
):
    settings.JOB_STALE_SECONDS = 3
    importer = make_user(Role.COUNTY_DISPATCHER, "220102000000", "kill_importer")
    job = upload(importer, csv_bytes(rows(40)))  # validated here: the preview
    assert job.status == S.READY and job.creates == 40
    people = Person.objects.count()

    def imported():
        return AuditLog.objects.filter(action="person.import", object_id=str(job.pk)).count()

    with private_queue(monkeypatch, APPLY, VALIDATE) as queue:
        first = WorkerProcess(queue, tmp_path / "worker1.log").start()
        second = WorkerProcess(queue, tmp_path / "worker2.log")
        blocker = other_connection()
        try:
            # The merge's INSERT waits behind this lock, inside the worker's transaction
            # (the job's row locked, the rollups' cells of the overwritten records
            # already retracted).
            with blocker.transaction():
                blocker.execute(f"LOCK TABLE {Person._meta.db_table} IN SHARE MODE")
                imports.import_job_apply_request(actor=importer, job=job)
                wait_until(lambda: waiting_on_lock(Person._meta.db_table), 60, "the merge to start")
                first.kill()
            # Nothing of the merge was committed; the job still says "applying".
            job.refresh_from_db()
            assert job.status == S.APPLYING and imported() == 0
            assert Person.objects.count() == people

            # The sweeper (beat, every minute) finds its heartbeat stale once the dead
            # worker's transaction is gone, and queues it again.
            wait_until(
                lambda: imports.import_jobs_recover()["requeued"],
                30,
                "the sweeper to requeue the job",
                interval=0.5,
            )
            job.refresh_from_db()
            assert job.attempts == 1 and job.status == S.APPLYING
            recover = AuditLog.objects.get(action="person_import.recover", object_id=str(job.pk))
            assert recover.changes["attempts"] == [0, 1]

            second.start()
            wait_until(
                lambda: ImportJob.objects.filter(pk=job.pk, status=S.DONE).exists(),
                60,
                "the second worker to apply the job",
            )
            # The killed worker's message comes back after the visibility timeout: the
            # second worker runs it too, and it finds the job done.
            wait_until(
                lambda: runs(second, APPLY) >= 2,
                VISIBILITY_TIMEOUT * 5,
                "the redelivered message",
            )
        finally:
            blocker.close()
            first.kill()
            second.stop()
    job.refresh_from_db()
    assert (job.status, job.creates, job.attempts, job.error_message) == (S.DONE, 40, 1, "")
    assert Person.objects.count() == people + 40
    assert imported() == 1
    # the trace: the job's one audit row (imported() above) names its 40 records' changes
    assert len(imports.import_job_records(job=job)) == 40


def test_an_import_whose_workers_keep_dying_fails_with_a_reason(
    demo_areas, make_user, media, monkeypatch, settings, tmp_path
):
    """After JOB_MAX_ATTEMPTS lost workers the job ends, failed, its staging table and
    upload removed, the reason shown to the importer."""
    settings.JOB_STALE_SECONDS = 3
    settings.JOB_MAX_ATTEMPTS = 2
    importer = make_user(Role.COUNTY_DISPATCHER, "220102000000", "kill_importer2")
    job = upload(importer, csv_bytes(rows(5)))
    assert job.status == S.READY
    people = Person.objects.count()
    with private_queue(monkeypatch, APPLY, VALIDATE) as queue:
        blocker = other_connection()
        try:
            for attempt in (1, 2):
                worker = WorkerProcess(queue, tmp_path / f"worker{attempt}.log").start()
                with blocker.transaction():
                    blocker.execute(f"LOCK TABLE {Person._meta.db_table} IN SHARE MODE")
                    if attempt == 1:
                        imports.import_job_apply_request(actor=importer, job=job)
                    wait_until(lambda: waiting_on_lock(Person._meta.db_table), 60, "the merge")
                    worker.kill()
                wait_until(
                    lambda: sum(imports.import_jobs_recover().values()),
                    30,
                    "the sweeper",
                    interval=0.5,
                )
        finally:
            blocker.close()
            worker.kill()
    job.refresh_from_db()
    assert job.status == S.FAILED and job.attempts == 2
    assert "2 次意外终止" in job.error_message and "nothing was written" in job.error_message
    assert Person.objects.count() == people
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [stage_name(job.pk)])
        assert cur.fetchone()[0] is None


def test_assessment_killed_mid_write_is_redelivered_by_the_broker_and_computed_once(
    demo_areas, make_user, monkeypatch, tmp_path
):
    """No state row: the computation is one transaction, so the killed worker wrote
    nothing; its message, never acknowledged, comes back after the visibility timeout and
    another worker computes the scheme — one revision."""
    from datetime import date

    from assessment.models import Result, Revision, Scheme, Score
    from assessment.services import scheme_compute_request, scheme_create
    from assessment.tests.factories import system_make
    from grids.models import Area

    admin = make_user(Role.ADMIN, "220000000000", "kill_admin")
    scheme = scheme_create(
        actor=admin,
        name="2026年3月乡镇考核",
        system=system_make(admin),
        area=Area.objects.get(code="220102000000"),
        period_kind="month",
        period_start=date(2026, 3, 5),
        object_level=4,
    )
    task = "assessment.tasks.compute_scheme_task"
    with private_queue(monkeypatch, task) as queue:
        first = WorkerProcess(queue, tmp_path / "worker1.log").start()
        second = WorkerProcess(queue, tmp_path / "worker2.log")
        blocker = other_connection()
        try:
            # The scores' COPY waits behind this lock, after the revision and its results
            # were inserted in the worker's transaction.
            with blocker.transaction():
                blocker.execute(f"LOCK TABLE {Score._meta.db_table} IN SHARE MODE")
                scheme_compute_request(actor=admin, scheme=scheme)
                wait_until(lambda: waiting_on_lock(Score._meta.db_table), 60, "the COPY")
                first.kill()
            assert not Revision.objects.filter(scheme=scheme).exists()
            assert not Result.objects.filter(revision__scheme=scheme).exists()

            second.start()
            wait_until(
                lambda: Revision.objects.filter(scheme=scheme).exists(),
                VISIBILITY_TIMEOUT * 10,
                "the redelivered computation",
            )
        finally:
            blocker.close()
            first.kill()
            second.stop()
    (revision,) = Revision.objects.filter(scheme=scheme)
    townships = Area.objects.filter(level=4, code__startswith="220102").count()
    assert revision.number == 1 and revision.results.count() == townships
    assert Score.objects.filter(result__revision=revision).count() > 0
    assert Scheme.objects.get(pk=scheme.pk).state == Scheme.State.COMPUTED
    assert runs(second, task) == 1, second.output()


def test_webhook_worker_killed_mid_post_is_delivered_once_more_and_recorded_once(
    demo_areas, monkeypatch, tmp_path
):
    """Killed while the receiver holds the POST: nothing recorded, the delivery keeps its
    lease; once the lease is over the sweeper queues it and another worker delivers it
    (at least once: the receiver sees the same X-GridGov-Delivery twice)."""
    from datetime import timedelta

    from django.utils import timezone

    from governance.services import department_create
    from grids.models import Area
    from integrations import services, tasks  # noqa: F401 - the task registered here
    from integrations.models import WebhookAttempt, WebhookDelivery
    from integrations.tests.receiver import Receiver

    receiver = Receiver().start()
    department = department_create(
        actor=None, code="KILL-CGJ", name="南关区城管局", area=Area.objects.get(code="220102000000")
    )
    services.webhook_subscription_create(
        actor=None, department=department, url=receiver.url, event_types=["event.*"]
    )
    task = "integrations.tasks.deliver_webhook_task"
    with private_queue(monkeypatch, task) as queue:
        first = WorkerProcess(queue, tmp_path / "worker1.log").start()
        second = WorkerProcess(queue, tmp_path / "worker2.log")
        try:
            receiver.delay = 60  # the receiver holds the first POST
            (delivery,) = services.webhook_publish(
                event_type="event.dispatched",
                payload={"event_id": 7},
                area_path="220102000000/",
                departments=[department],
            )
            assert receiver.wait_for(1, timeout=60), "the worker did not POST"
            first.kill()
            receiver.delay = 0
            delivery.refresh_from_db()
            assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0
            assert delivery.next_attempt_at > timezone.now()  # the dead worker's lease
            assert not WebhookAttempt.objects.filter(delivery=delivery).exists()

            second.start()
            # Three minutes later (the lease of timeout + 60 s, and the sweeper's grace):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                next_attempt_at=timezone.now() - timedelta(minutes=3)
            )
            assert services.webhook_deliveries_requeue_due() == 1
            wait_until(
                lambda: WebhookDelivery.objects.filter(
                    pk=delivery.pk, status=WebhookDelivery.Status.DELIVERED
                ).exists(),
                60,
                "the second worker to deliver",
            )
            # The killed worker's message comes back too, and finds it delivered.
            wait_until(lambda: runs(second, task) >= 2, VISIBILITY_TIMEOUT * 5, "redelivery")
        finally:
            first.kill()
            second.stop()
            receiver.stop()
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.attempt_log.count() == 1
    assert len(receiver.requests) == 2
    assert {r.headers["X-GridGov-Delivery"] for r in receiver.requests} == {str(delivery.pk)}


def test_a_message_that_kills_its_worker_every_time_is_given_up(monkeypatch, tmp_path):
    """Late acknowledgement puts back the message of a task whose worker died; a task that
    kills it every time (out of memory) would loop for ever. After TASK_MAX_REDELIVERIES
    redeliveries the message is dropped, with an error, and the worker goes on."""
    from django.conf import settings

    from governance.celery import app

    poison = "tests.poison_tasks.kill_own_worker_task"
    with private_queue(monkeypatch, poison) as queue:
        worker = WorkerProcess(queue, tmp_path / "worker.log", include="tests.poison_tasks")
        worker.start()
        try:
            app.send_task(poison)
            wait_until(lambda: "given up" in worker.output(), 120, "the task to be given up")
            assert worker.proc.poll() is None  # the worker itself lives on
        finally:
            worker.stop()
    deaths = worker.output().count("exited with 'signal 9 (SIGKILL)'")
    assert deaths == settings.TASK_MAX_REDELIVERIES + 1, worker.output()
