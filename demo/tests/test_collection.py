"""The demo's base data is made through the real services and the real import path."""

import pytest

from collection.models import House, ImportJob, Person, PersonTag, VerificationTask
from demo.collection import HOUSES, PEOPLE, ensure_demo_collection
from demo.users import ensure_demo_users

pytestmark = pytest.mark.django_db


def test_demo_grid_gets_houses_people_tags_and_an_applied_import(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    ensure_demo_users()
    with django_capture_on_commit_callbacks(execute=True):
        assert ensure_demo_collection() == len(HOUSES)
    assert House.objects.count() == len(HOUSES)
    job = ImportJob.objects.get()
    assert (job.status, job.creates, job.invalid) == ("done", 2, 1), job.error_message
    assert Person.objects.count() == len(PEOPLE) + 2
    assert PersonTag.objects.filter(end_date__isnull=True).count() == 2
    assert VerificationTask.objects.filter(status="pending").count() == 2
    assert ensure_demo_collection() == 0  # idempotent
