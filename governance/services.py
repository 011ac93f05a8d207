"""Writes on users, departments and roles. Each owns its transaction and audit row.

三员分立: accounts and roles are the security administrator's (`Action.GRANT`),
departments the system administrator's (`Action.CONFIGURE`); see roles.SEPARATED_ROLES."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .access import require
from .audit import audit_record, diff, snapshot
from .errors import Conflict, Forbidden, NotFound
from .models import Department, RoleAssignment
from .roles import ROLE_LEVEL, Action, Role, separation_conflict
from .scoping import clear_role_cache, jurisdiction_paths, object_area_path

User = get_user_model()


def _require_configure(actor, area) -> None:
    """Only an administrator whose jurisdiction covers `area` configures it.

    `actor=None` is the system itself (management commands, the demo loader).
    """
    require(actor, area, Action.CONFIGURE, message=_("您无权在该区域进行配置。"))


def _require_grant(actor, area) -> None:
    require(actor, area, Action.GRANT, message=_("只有该区域的安全管理员可以管理账户和角色。"))


def user_audit_path(user) -> str:
    first = user.role_assignments.select_related("area").order_by("area__level").first()
    if first:
        return first.area.path
    return user.department.area.path if user.department_id else ""


def user_paths(user) -> list[str]:
    """The area paths an account is anchored in: its roles' areas, else its department's."""
    paths = list(user.role_assignments.values_list("area__path", flat=True))
    if not paths and user.department_id:
        paths = [user.department.area.path]
    return paths


def user_manageable(actor, user) -> bool:
    """May `actor` manage this account? Every area it is anchored in lies inside the
    actor's GRANT jurisdiction (an account of a neighbouring county also holding a role
    here stays theirs too); an account anchored nowhere belongs to the province."""
    grant = jurisdiction_paths(actor, Action.GRANT)
    if not grant:
        return False
    paths = user_paths(user)
    if not paths:
        return any(p.count("/") == 1 for p in grant)
    return all(any(p.startswith(g) for g in grant) for p in paths)


def _require_manage_user(actor, user) -> None:
    if actor is None:
        return
    if not user_manageable(actor, user):
        # Same answer as for an account that does not exist (no enumeration).
        raise NotFound(_("用户不存在或不在您的管辖范围内。"))
    if actor.pk == user.pk:
        raise Forbidden(_("不能对自己的账户执行此操作。"))


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
    if actor is not None:
        if department is not None:
            _require_grant(actor, department.area)
        elif not jurisdiction_paths(actor, Action.GRANT):
            raise Forbidden(_("只有安全管理员可以创建账户。"))
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
    _require_grant(actor, area)
    if actor is not None and actor.pk == user.pk:
        raise Forbidden(_("不能给自己分配角色。"))
    if role not in Role.values:
        raise ValidationError(_("未知角色:%(r)s") % {"r": role}, code="invalid")
    # Serialise assignments to one account, so two concurrent grants cannot together
    # make the combination each refuses alone.
    User.objects.select_for_update().filter(pk=user.pk).first()
    held = set(user.role_assignments.values_list("role", flat=True))
    conflict = separation_conflict(held, role)
    if conflict is not None:
        raise Conflict(
            _(
                "三员分立:该账户已是“%(held)s”,不能再担任“%(role)s”。系统管理员、安全管理员"
                "和审计员须由不同账户担任。"
            )
            % {"held": Role(conflict).label, "role": Role(role).label},
            code="role_separation",
        )
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
    _require_grant(actor, assignment.area)
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


@transaction.atomic
def user_update(*, actor, user, full_name: str, phone: str = "", department=None) -> User:
    _require_manage_user(actor, user)
    if department is not None and department.pk != user.department_id:
        _require_grant(actor, department.area)
    before = snapshot(user, ["full_name", "phone", "department_id"])
    old_department = user.department
    user.full_name, user.phone, user.department = full_name, phone, department
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["full_name", "phone", "department"])
    if old_department is not None and old_department.group_id and old_department != department:
        user.groups.remove(old_department.group_id)
    if department is not None and department.group_id:
        user.groups.add(department.group_id)
    audit_record(
        actor=actor,
        action="user.update",
        obj=user,
        changes=diff(before, snapshot(user, ["full_name", "phone", "department_id"])),
        area_path=user_audit_path(user),
    )
    return user


@transaction.atomic
def user_lock(*, actor, user) -> User:
    """Disable an account until a security administrator enables it again; its sessions
    end at their next request (governance.guard)."""
    _require_manage_user(actor, user)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.lock",
        obj=user,
        changes={"is_active": [True, False]},
        area_path=user_audit_path(user),
    )
    return user


@transaction.atomic
def user_unlock(*, actor, user) -> User:
    """Enable a disabled account and lift a lockout after failed logins."""
    _require_manage_user(actor, user)
    before = {"is_active": user.is_active, "locked_until": user.locked_until}
    user.is_active, user.locked_until, user.failed_logins = True, None, 0
    user.save(update_fields=["is_active", "locked_until", "failed_logins"])
    audit_record(
        actor=actor,
        action="user.unlock",
        obj=user,
        changes=diff(snapshot_of(before), snapshot_of({"is_active": True, "locked_until": None})),
        area_path=user_audit_path(user),
    )
    return user


def snapshot_of(values: dict) -> dict:
    from .audit import _plain

    return {k: _plain(v) for k, v in values.items()}


_TEMP_ALPHABET = string.ascii_letters + string.digits


def temporary_password() -> str:
    # Letters, digits and one symbol, 16 long: passes the password policy every time.
    body = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(14))
    return f"{body[:7]}#{body[7:]}9"


@transaction.atomic
def user_password_reset(*, actor, user) -> str:
    """Give an account a new random password and return it (shown once to the security
    administrator, stored nowhere in clear). The old password stops working at once and
    the account's lockout is lifted; the audit row records that it happened, not the
    password."""
    _require_manage_user(actor, user)
    password = temporary_password()
    validate_password(password, user)
    user.set_password(password)
    user.locked_until, user.failed_logins = None, 0
    user.save(update_fields=["password", "locked_until", "failed_logins"])
    audit_record(
        actor=actor,
        action="user.password_reset",
        obj=user,
        changes={"password": ["******", "******"]},
        area_path=user_audit_path(user),
    )
    return password


@transaction.atomic
def user_open(
    *, actor, username: str, full_name: str, role: str, area, phone: str = "", department=None
) -> tuple[User, str]:
    """A new account with its first role and a one-time password (returned, to be shown
    once): an account is always anchored in an area, so it is somebody's to manage."""
    password = temporary_password()
    user = user_create(
        actor=actor,
        username=username,
        password=password,
        full_name=full_name,
        phone=phone,
        department=department,
    )
    role_assign(actor=actor, user=user, role=role, area=area, department=department)
    return user, password
