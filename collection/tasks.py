"""Celery tasks of collection: reload by id, call a service, nothing more. The services
queue them by name (collection.imports._queue, collection.exports), so that no service
imports this module; CollectionConfig.ready registers them in every process."""

from celery import shared_task
from django.contrib.auth import get_user_model

from governance.jobs import heartbeat

from . import imports
from .exports import dataset_export_to_file, export_files_purge
from .models import ImportJob


@shared_task(ignore_result=True)
def validate_import_task(job_id):
    # The heartbeat tells the sweeper this worker is alive (governance/jobs.py).
    with heartbeat(ImportJob.objects.filter(pk=job_id)):
        imports.import_job_validate(job_id=job_id)


@shared_task(ignore_result=True)
def apply_import_task(job_id):
    with heartbeat(ImportJob.objects.filter(pk=job_id)):
        imports.import_job_apply(job_id=job_id)


@shared_task(ignore_result=True)
def recover_stale_imports_task():
    imports.import_jobs_recover()


@shared_task(ignore_result=True)
def expire_stale_imports_task():
    imports.import_jobs_expire()


@shared_task
def export_dataset_task(user_id, dataset, fmt, filters):
    user = get_user_model().objects.get(pk=user_id)
    return dataset_export_to_file(user=user, dataset=dataset, fmt=fmt, filters=filters)


@shared_task(ignore_result=True)
def purge_expired_exports_task():
    export_files_purge()
