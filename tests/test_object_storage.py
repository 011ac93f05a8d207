"""Stored files go through Django's storage API only, so an object store can replace the
local disk (settings STORAGES; STORAGE_S3_BUCKET selects django-storages' S3 backend).

The proof: with the default storage swapped for one that keeps files in memory (Django's
own InMemoryStorage — no path, no disk), the flows that store files work — an event's
photo and thumbnail, an import from upload to merge, a background export from file to
download to purge — and nothing is written under MEDIA_ROOT."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collection.exports import dataset_export_to_file, export_files_purge
from collection.models import ExportFile, ImportJob, Person
from collection.tests.factories import apply, csv_bytes, good_rows, upload
from events.models import EventCategory
from events.services import event_report
from events.tests.factories import jpeg_bytes
from governance.roles import Role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def object_store(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    yield default_storage
    assert not [f for _d, _s, files in os.walk(tmp_path) for f in files], "written to disk"


def test_photos_imports_and_exports_need_no_local_disk(
    object_store, make_user, first_grid, client, django_capture_on_commit_callbacks
):
    assert isinstance(object_store, InMemoryStorage)
    grid = first_grid("220102")
    worker = make_user(Role.GRID_WORKER, grid.code, "store_worker")
    client.force_login(worker)

    # An event's photo and its thumbnail, stored and served back.
    event = event_report(
        actor=worker,
        title="井盖破损",
        category=EventCategory.objects.get(code="0603"),
        grid=grid,
        files=[SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")],
    )
    photo = event.attachments.get()
    assert object_store.exists(photo.file.name) and object_store.exists(photo.thumbnail.name)
    got = client.get(f"/events/files/{photo.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content)[:2] == b"\xff\xd8"

    # An import: the upload read back for the check, removed once staged, then merged.
    importer = make_user(Role.COUNTY_DISPATCHER, "220102000000", "store_importer")
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(importer, csv_bytes(good_rows(3)))
    assert job.status == ImportJob.Status.READY and not job.file
    assert object_store.listdir("imports")[1] == []  # the plain-text upload is gone
    job = apply(importer, job)
    assert job.status == ImportJob.Status.DONE
    assert Person.objects.filter(name__in=["居民0", "居民1", "居民2"]).count() == 3

    # A background export: written, downloaded by its owner, purged when expired.
    url = dataset_export_to_file(user=importer, dataset="people", fmt="csv", filters={})
    export = ExportFile.objects.get(user=importer)
    assert object_store.exists(f"exports/{export.file_name}")
    client.force_login(importer)
    got = client.get(url)
    assert got.status_code == 200 and "居民0" in b"".join(got.streaming_content).decode()
    ExportFile.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert export_files_purge() == 1
    assert not object_store.exists(f"exports/{export.file_name}")


def test_storage_s3_bucket_selects_the_object_store():
    """The settings alone (django-storages is imported only when a file is stored)."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "governance.settings.dev",
        "STORAGE_S3_BUCKET": "gridgov-files",
        "STORAGE_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert '"storages.backends.s3.S3Storage"' in out.stdout
    assert '"bucket_name": "gridgov-files"' in out.stdout
    assert '"endpoint_url": "http://127.0.0.1:9000"' in out.stdout
    env.pop("STORAGE_S3_BUCKET")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "FileSystemStorage" in out.stdout
