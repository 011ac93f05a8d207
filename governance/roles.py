"""Roles and what each may do inside its jurisdiction.

A role is always held *in an area*: the role's jurisdiction is that area's subtree.
`restrict(user, action)` (see scoping.py) unions the subtrees of the roles that grant
the action, so a county dispatcher who is also a township's auditor reads audit rows
only in that township.
"""

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
    AUDITOR = "auditor", _("审计员")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    CHANGE = "change", _("修改")
    CONFIGURE = "configure", _("配置")
    AUDIT = "audit", _("审计")


_WORK = {Action.VIEW, Action.CHANGE}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(_WORK),
    Role.VILLAGE_STAFF: frozenset(_WORK),
    Role.TOWNSHIP_STAFF: frozenset(_WORK),
    Role.COUNTY_DISPATCHER: frozenset(_WORK),
    Role.DEPARTMENT_HANDLER: frozenset(_WORK),
    Role.CITY_LEADER: frozenset({Action.VIEW}),
    Role.PROVINCE_LEADER: frozenset({Action.VIEW}),
    Role.ADMIN: frozenset(_WORK | {Action.CONFIGURE}),
    Role.AUDITOR: frozenset({Action.VIEW, Action.AUDIT}),
}

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
    Role.AUDITOR: None,
}

# The roles that make a user staff of the unit (area) where the role is held: they
# accept, handle, dispatch and escalate the cases held by that unit.
UNIT_ROLES = frozenset({Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF,
                        Role.COUNTY_DISPATCHER})
