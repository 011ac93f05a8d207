import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.dev")

# Every task counts its redeliveries and gives up a message that kills its worker each
# time (governance/jobs.py, GuardedTask; docs/operations.md).
app = Celery("governance", task_cls="governance.jobs:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
