from celery import shared_task

from . import imports


@shared_task(ignore_result=True)
def validate_import_task(job_id):
    imports.import_job_validate(job_id=job_id)


@shared_task(ignore_result=True)
def apply_import_task(job_id):
    imports.import_job_apply(job_id=job_id)


@shared_task(ignore_result=True)
def expire_stale_imports_task():
    imports.import_jobs_expire()


@shared_task(ignore_result=True)
def purge_expired_exports_task():
    from .exports import export_files_purge

    export_files_purge()
