from django.db.models import Q
from django.utils.translation import gettext as _

from .errors import Forbidden
from .models import AuditLog
from .roles import SEPARATED_ROLES, Action
from .scoping import jurisdiction_paths, jurisdiction_q, user_role_rows


def _refuse_mixed_duties(user) -> None:
    """三员分立 on reading: an account that also configures or grants (assigned before the
    rule, or by hand in the database) reads no trail until one of the roles is revoked."""
    held = {role for role, _a, _p, _d in user_role_rows(user)} & set(SEPARATED_ROLES)
    if len(held) > 1:
        raise Forbidden(
            _("三员分立:该账户同时担任审计员和管理员,不能查阅审计日志。请撤销其中一个角色。"),
            code="role_separation",
        )


def audit_log_list(*, user):
    """Audit rows inside the auditor's jurisdiction.

    Rows without an area (system-wide events) belong to the root: only auditors
    holding a province-level jurisdiction see them.
    """
    paths = jurisdiction_paths(user, Action.AUDIT)
    if paths:
        _refuse_mixed_duties(user)
    q = jurisdiction_q(user, Action.AUDIT, AuditLog.scope_path_field)
    if any(p.count("/") == 1 for p in paths):  # a province-level auditor
        q |= Q(area_path="")
    return AuditLog.objects.filter(q).order_by("-at", "-id")


def audit_log_get(*, user, pk):
    return audit_log_list(user=user).get(pk=pk)


def user_list(*, user, q: str = "", role: str = ""):
    """Accounts the security administrator manages: every area the account is anchored
    in (its roles' areas, else its department's) lies in their GRANT jurisdiction; an
    account anchored nowhere belongs to the province (services.user_manageable)."""
    from django.contrib.auth import get_user_model

    from .models import RoleAssignment

    User = get_user_model()
    paths = jurisdiction_paths(user, Action.GRANT)
    if not paths:
        return User.objects.none()
    inside_roles = Q()
    inside_department = Q()
    for p in paths:
        inside_roles |= Q(area__path__startswith=p)
        inside_department |= Q(department__area__path__startswith=p)
    anchored_here = Q(pk__in=RoleAssignment.objects.filter(inside_roles).values("user_id")) | (
        Q(role_assignments__isnull=True) & inside_department
    )
    if any(p.count("/") == 1 for p in paths):
        anchored_here |= Q(role_assignments__isnull=True, department__isnull=True)
    outside = RoleAssignment.objects.exclude(inside_roles).values("user_id")
    qs = User.objects.filter(anchored_here).exclude(pk__in=outside)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q))
    if role:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(role=role).values("user_id"))
    return qs.distinct().select_related("department").order_by("username")


def user_get(*, user, pk):
    """One account the caller manages (DoesNotExist → 404 otherwise)."""
    return user_list(user=user).get(pk=pk)
