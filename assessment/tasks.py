from celery import shared_task
from django.contrib.auth import get_user_model

from .compute import scheme_compute
from .models import Scheme


@shared_task
def compute_scheme_task(scheme_id: int, actor_id: int | None = None) -> int:
    """Compute one scheme (queued by the compute action); returns the revision number."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return scheme_compute(actor=actor, scheme=Scheme.objects.get(pk=scheme_id)).number
