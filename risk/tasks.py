from celery import shared_task

from .evaluation import rules_evaluate_all
from .services import warnings_escalate_overdue


@shared_task
def evaluate_rules_task() -> list[dict]:
    """Every active rule over the whole province (Celery beat)."""
    return [
        {"rule": r.rule_id, "status": r.status, "issued": r.issued, "ms": r.ms}
        for r in rules_evaluate_all()
    ]


@shared_task
def escalate_warnings_task() -> int:
    """Warnings past their colour's time limit go one level up (Celery beat)."""
    return warnings_escalate_overdue()
