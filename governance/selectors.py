from django.db.models import Q

from .models import AuditLog
from .roles import Action
from .scoping import jurisdiction_paths, jurisdiction_q


def audit_log_list(*, user):
    """Audit rows inside the auditor's jurisdiction.

    Rows without an area (system-wide events) belong to the root: only auditors
    holding a province-level jurisdiction see them.
    """
    paths = jurisdiction_paths(user, Action.AUDIT)
    q = jurisdiction_q(user, Action.AUDIT, AuditLog.scope_path_field)
    if any(p.count("/") == 1 for p in paths):  # a province-level auditor
        q |= Q(area_path="")
    return AuditLog.objects.filter(q).order_by("-at", "-id")


def audit_log_get(*, user, pk):
    return audit_log_list(user=user).get(pk=pk)
