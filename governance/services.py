"""Writes on users, departments and roles. Each owns its transaction and audit row."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .access import require
from .audit import audit_record, diff, snapshot
from .models import Department, RoleAssignment
from .roles import ROLE_LEVEL, Action, Role
from .scoping import clear_role_cache, object_area_path

User = get_user_model()


def _require_configure(actor, area) -> None:
    """Only an administrator whose jurisdiction covers `area` configures it.

    `actor=None` is the system itself (management commands, the demo loader).
    """
    require(actor, area, Action.CONFIGURE, message=_("您无权在该区域进行配置。"))


def user_audit_path(user) -> str:
    first = user.role_assignments.select_related("area").order_by("area__level").first()
    return first.area.path if first else ""


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    department: Department | None = None,
    check_password: bool = True,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名 %(u)s 已存在。") % {"u": username}, code="duplicate")
    user = User(username=username, full_name=full_name, phone=phone, department=department)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    if department is not None and department.group_id:
        user.groups.add(department.group_id)
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        changes=diff({}, snapshot(user, ["username", "full_name", "department_id"])),
        area_path=department.area.path if department else "",
    )
    return user


@transaction.atomic
def department_create(*, actor, code: str, name: str, area) -> Department:
    _require_configure(actor, area)
    group = Group.objects.create(name=f"department:{code}")
    dept = Department.objects.create(code=code, name=name, area=area, group=group)
    audit_record(
        actor=actor,
        action="department.create",
        obj=dept,
        changes=diff({}, snapshot(dept, ["code", "name", "area_id"])),
        area_path=area.path,
    )
    return dept


@transaction.atomic
def role_assign(*, actor, user, role: str, area, department: Department | None = None):
    _require_configure(actor, area)
    if role not in Role.values:
        raise ValidationError(_("未知角色:%(r)s") % {"r": role}, code="invalid")
    allowed = ROLE_LEVEL[role]
    if allowed is not None and area.level not in allowed:
        raise ValidationError(
            _("角色“%(role)s”不能分配在%(level)s级区域。")
            % {"role": Role(role).label, "level": area.get_level_display()},
            code="wrong_level",
        )
    if role == Role.DEPARTMENT_HANDLER and department is None:
        raise ValidationError(_("职能部门办理人必须指定部门。"), code="required")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, area=area, defaults={"department": department}
    )
    if created:
        audit_record(
            actor=actor,
            action="role.assign",
            obj=assignment,
            changes={"role": [None, role], "area": [None, area.code]},
            area_path=area.path,
        )
    clear_role_cache(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    _require_configure(actor, assignment.area)
    audit_record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        changes={"role": [assignment.role, None], "area": [assignment.area.code, None]},
        area_path=assignment.area.path,
    )
    assignment.delete()
    clear_role_cache(assignment.user)


@transaction.atomic
def object_share(
    *, actor, obj, user=None, department: Department | None = None, action: str = Action.VIEW
) -> None:
    """Share one object with one user or one department (django-guardian), on top of
    jurisdiction. Only someone who may change the object can share it."""
    from guardian.shortcuts import assign_perm

    if (user is None) == (department is None):
        raise ValidationError(_("请指定一个用户或一个部门。"), code="invalid")
    if action not in (Action.VIEW, Action.CHANGE):
        raise ValidationError(_("只能共享查看或修改权限。"), code="invalid")
    require(actor, obj, Action.CHANGE, message=_("您无权共享该对象。"))
    codename = f"{obj._meta.app_label}.{action}_{obj._meta.model_name}"
    target = user if user is not None else department.group
    assign_perm(codename, target, obj)
    if user is not None:
        clear_role_cache(user)
    audit_record(
        actor=actor,
        action="object.share",
        obj=obj,
        changes={
            "shared_with": [None, f"user:{user.pk}" if user else f"department:{department.code}"],
            "permission": [None, action],
        },
        area_path=object_area_path(obj),
    )
