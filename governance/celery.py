import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.dev")

# Every task counts its redeliveries and gives up a message that kills its worker each
# time (governance/jobs.py, GuardedTask; docs/operations.md).
app = Celery("governance", task_cls="governance.jobs:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Database connections around tasks, as Django treats them around requests. Celery's
# Django fixup closes every connection before and after each task (and the whole pool,
# where there is one); a worker process then opened a new PostgreSQL connection — a new
# backend, its caches cold — for every task. Instead a connection is kept from task to
# task, and before and after each one Django's own rule applies (close_old_connections):
# closed when broken (e.g. PostgreSQL restarted), in a transaction left open, or older
# than CONN_MAX_AGE; CONN_HEALTH_CHECKS tests a kept connection before its first use in a
# task. The fixup still closes everything at a worker process's start (inherited
# connections) and, with this, only after every 2 × 10,000 tasks.
app.conf.CELERY_DB_REUSE_MAX = 10_000


def _connections_checked(sender=None, **kwargs):
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # run inside the caller (tests, eager mode): the caller's connection
    from django.db import close_old_connections

    close_old_connections()


task_prerun.connect(_connections_checked, weak=False)
task_postrun.connect(_connections_checked, weak=False)
