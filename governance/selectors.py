from django.db.models import Q

from .models import AuditLog
from .roles import Action
from .scoping import jurisdiction_paths


def audit_log_list(*, user):
    """Audit rows inside the auditor's jurisdiction.

    Rows without an area (system-wide events) belong to the root: only auditors
    holding a province-level jurisdiction see them.
    """
    qs = AuditLog.objects.restrict(user, Action.AUDIT)
    paths = jurisdiction_paths(user, Action.AUDIT)
    if any(p.count("/") == 1 for p in paths):
        qs = AuditLog.objects.filter(Q(pk__in=qs.values("pk")) | Q(area_path=""))
    return qs.order_by("-at", "-id")


def audit_log_get(*, user, pk):
    return audit_log_list(user=user).get(pk=pk)
