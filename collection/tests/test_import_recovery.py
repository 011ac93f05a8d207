"""Imports whose worker died (collection.imports.import_jobs_recover, run every minute by
beat): a job validating or applying without a heartbeat for JOB_STALE_SECONDS goes back to
the queue, validation from the start; a live one is left alone. The same with a real
worker killed by SIGKILL: tests/test_worker_killed.py."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collection import imports
from collection.models import ImportJob
from collection.tests.factories import csv_bytes, good_rows
from governance.models import AuditLog

pytestmark = pytest.mark.django_db

S = ImportJob.Status


def test_a_stale_validating_job_is_validated_again_and_a_live_one_left_alone(
    importer, settings, django_capture_on_commit_callbacks
):
    settings.JOB_STALE_SECONDS = 90
    make = lambda: imports.import_job_create(  # noqa: E731
        actor=importer, file=SimpleUploadedFile("p.csv", csv_bytes(good_rows(3)))
    )
    with django_capture_on_commit_callbacks():  # the validation tasks not sent
        stale, live = make(), make()
    now = timezone.now()
    ImportJob.objects.filter(pk=stale.pk).update(
        status=S.VALIDATING, heartbeat_at=now - timedelta(seconds=91)
    )
    ImportJob.objects.filter(pk=live.pk).update(
        status=S.VALIDATING, heartbeat_at=now - timedelta(seconds=30)
    )

    with django_capture_on_commit_callbacks() as queued:
        assert imports.import_jobs_recover(now=now) == {"requeued": 1, "failed": 0}
    assert len(queued) == 1  # validate_import_task for the stale job
    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.status, stale.attempts) == (S.PENDING, 1)
    assert (live.status, live.attempts) == (S.VALIDATING, 0)
    entry = AuditLog.objects.get(action="person_import.recover", object_id=str(stale.pk))
    assert entry.actor is None and entry.changes["status"] == [S.VALIDATING, S.PENDING]

    # What the queued task then does: the upload is still there, the preview is made.
    job = imports.import_job_validate(job_id=stale.pk)
    assert job.status == S.READY and job.creates == 3


def test_a_job_whose_workers_keep_dying_fails_with_the_reason(importer, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    job = imports.import_job_create(
        actor=importer, file=SimpleUploadedFile("p.csv", csv_bytes(good_rows(3)))
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=S.APPLYING, attempts=2, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert imports.import_jobs_recover() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == S.FAILED and job.finished_at and not job.file
    assert job.error_message.startswith("处理该任务的后台进程 3 次意外终止")
