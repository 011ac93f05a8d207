"""Roles and what each may do inside its jurisdiction.

A role is always held *in an area*: the role's jurisdiction is that area's subtree.
`restrict(user, action)` (see scoping.py) unions the subtrees of the roles that grant
the action, so a county dispatcher who is also a township's auditor reads audit rows
only in that township.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_STAFF = "village_staff", _("村(社区)工作人员")
    TOWNSHIP_STAFF = "township_staff", _("乡镇(街道)工作人员")
    COUNTY_DISPATCHER = "county_dispatcher", _("综治中心调度员")
    DEPARTMENT_HANDLER = "department_handler", _("职能部门办理人")
    CITY_LEADER = "city_leader", _("市级领导")
    PROVINCE_LEADER = "province_leader", _("省级领导")
    ADMIN = "admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计员")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    CHANGE = "change", _("修改")
    CONFIGURE = "configure", _("配置")
    AUDIT = "audit", _("审计")
    GRANT = "grant", _("授权")


_ALL_ROLES = frozenset(Role.values)
_WORK_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.VILLAGE_STAFF,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_DISPATCHER,
        Role.DEPARTMENT_HANDLER,
        Role.ADMIN,
    }
)


@dataclass(frozen=True)
class ActionSpec:
    """One thing a user may do inside a jurisdiction, and the roles that may do it.

    `write` separates actions that change something from reads: `require()` accepts
    only write actions, so a service cannot check a write against a read by accident
    (the report service once checked `view`, and leaders could report cases).
    """

    name: str
    label: str
    roles: frozenset[str]
    write: bool


_ACTIONS: dict[str, ActionSpec] = {}


def action_register(name: str, *, label, roles, write: bool) -> str:
    """Declare an action (apps call this at import time of their `actions.py`).

    Registering the same name twice with other roles is a programming error."""
    spec = ActionSpec(name, label, frozenset(roles), write)
    existing = _ACTIONS.get(name)
    if existing is not None and existing != spec:
        raise ImproperlyConfigured(f"action {name!r} registered twice, differently")
    _ACTIONS[name] = spec
    return name


def action_spec(name: str) -> ActionSpec:
    try:
        return _ACTIONS[name]
    except KeyError:
        raise ImproperlyConfigured(f"unknown action {name!r}: register it first") from None


def registered_actions() -> dict[str, ActionSpec]:
    return dict(_ACTIONS)


def roles_granting(action: str) -> frozenset[str]:
    return action_spec(action).roles


# The generic actions every scoped model understands. Apps register their own, narrower
# ones (e.g. `event.report`, `basedata.change`) in their `actions.py`.
action_register(Action.VIEW, label=_("查看"), roles=_ALL_ROLES, write=False)
action_register(Action.CHANGE, label=_("修改"), roles=_WORK_ROLES, write=True)
action_register(Action.CONFIGURE, label=_("配置"), roles={Role.ADMIN}, write=True)
action_register(Action.AUDIT, label=_("审计"), roles={Role.AUDITOR}, write=False)
# Accounts and their roles (create, assign, revoke, lock, reset a password or an
# authenticator): the security administrator's, never the system administrator's.
action_register(Action.GRANT, label=_("授权"), roles={Role.SECURITY_ADMIN}, write=True)

# The area levels each role may be held at (1 province … 6 grid); None = any. The
# dispatcher of a 综治中心 exists at county, city and province level: cases escalate
# up to them.
ROLE_LEVEL: dict[str, frozenset[int] | None] = {
    Role.GRID_WORKER: frozenset({6}),
    Role.VILLAGE_STAFF: frozenset({5}),
    Role.TOWNSHIP_STAFF: frozenset({4}),
    Role.COUNTY_DISPATCHER: frozenset({1, 2, 3}),
    Role.DEPARTMENT_HANDLER: None,
    Role.CITY_LEADER: frozenset({2}),
    Role.PROVINCE_LEADER: frozenset({1}),
    Role.ADMIN: None,
    Role.SECURITY_ADMIN: None,
    Role.AUDITOR: None,
}

# 三员分立 (等保 2.0, 安全管理中心): the system administrator configures (CONFIGURE), the
# security administrator grants roles and manages accounts (GRANT), the auditor reads
# the trail (AUDIT). One account holds at most one of the three, in any number of
# areas: whoever grants roles could otherwise grant themselves the reading of their own
# trail, and whoever configures could hide what they did.
SEPARATED_ROLES = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)


def separation_conflict(held_roles, new_role: str) -> str | None:
    """The separated role among `held_roles` that `new_role` may not join, or None."""
    if new_role not in SEPARATED_ROLES:
        return None
    for role in held_roles:
        if role in SEPARATED_ROLES and role != new_role:
            return role
    return None


# The roles that make a user staff of the unit (area) where the role is held: they
# accept, handle, dispatch and escalate the cases held by that unit.
UNIT_ROLES = frozenset(
    {Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_DISPATCHER}
)
