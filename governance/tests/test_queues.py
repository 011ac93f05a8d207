"""Celery queues by kind (settings/base.py): every task goes to one of the three queues,
each queue has a worker in docker-compose.yml and in scripts/run.sh, and the settings
that make a dead worker lose nothing are in force."""

import re
from pathlib import Path

import yaml
from django.conf import settings

from governance.celery import app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"interactive", "webhooks", "batch"}
BATCH = {
    "collection.tasks.validate_import_task",
    "collection.tasks.apply_import_task",
    "risk.tasks.evaluate_rules_task",
    "assessment.tasks.compute_scheme_task",
    "governance.tasks.figures_reconcile_task",
}


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def our_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(t for t in app.tasks if not t.startswith("celery."))


def test_every_task_has_a_queue_of_its_kind():
    tasks = our_tasks()
    assert len(tasks) > 15
    assert {queue_of(t) for t in tasks} == QUEUES
    assert {t for t in tasks if queue_of(t) == "batch"} >= BATCH
    assert queue_of("integrations.tasks.deliver_webhook_task") == "webhooks"
    assert queue_of("governance.tasks.send_notification_email_task") == "interactive"
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks


def test_each_queue_has_workers_in_compose_and_in_run_sh():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    consumed = set()
    for service in compose["services"].values():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "governance", "worker"]:
            consumed.update(command[command.index("-Q") + 1].split(","))
    assert consumed == QUEUES
    run = (ROOT / "scripts/run.sh").read_text()
    assert set(re.search(r"-Q (\S+)", run).group(1).split(",")) == QUEUES


def test_late_acknowledgement_and_a_bounded_visibility_timeout():
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] <= 600
    assert settings.JOB_STALE_SECONDS < settings.TASK_VISIBILITY_TIMEOUT
    assert settings.CELERY_BEAT_SCHEDULE["recover-stale-imports"]["schedule"] <= 60
