"""Actions of command and dispatch (指令, 位置, 预案)."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import action_rule, reads_only_roles, role_rule
from governance.roles import UNIT_ROLES, Role, action_register

# Who issues commands and activates plans: the dispatchers and leaders, and the staff of
# townships and villages for their own units.
ISSUERS = frozenset(
    {
        Role.COUNTY_DISPATCHER,
        Role.CITY_LEADER,
        Role.PROVINCE_LEADER,
        Role.TOWNSHIP_STAFF,
        Role.VILLAGE_STAFF,
    }
)

COMMAND_ISSUE = action_register("command.issue", label=_("下达指令"), write=True, roles=ISSUERS)
# 签收, 进展, 反馈: the recipients (people of a unit, department handlers).
COMMAND_RESPOND = action_register(
    "command.respond",
    label=_("签收、反馈指令"),
    write=True,
    roles=UNIT_ROLES | {Role.DEPARTMENT_HANDLER},
)
# Field staff share their own position while on duty.
POSITION_REPORT = action_register(
    "command.position_report", label=_("上报位置"), write=True, roles=UNIT_ROLES
)
# Plans are configured by administrators for the area they hold.
PLAN_CONFIGURE = action_register(
    "command.plan_configure", label=_("配置应急预案"), write=True, roles={Role.ADMIN}
)
PLAN_ACTIVATE = action_register(
    "command.plan_activate", label=_("启动应急预案"), write=True, roles=ISSUERS
)

# Reads. Department handlers are left out: they see the commands addressed to their
# department (command/selectors.py), never a county's commands or its staff's positions.
COMMAND_VIEW = action_register(
    "command.view",
    label=_("查看指令"),
    write=False,
    roles=ISSUERS | UNIT_ROLES | {Role.AUDITOR},
)
POSITION_VIEW = action_register(
    "command.position_view",
    label=_("查看人员位置"),
    write=False,
    roles=UNIT_ROLES | {Role.CITY_LEADER, Role.PROVINCE_LEADER},
)

may_issue = action_rule(COMMAND_ISSUE)
may_respond = action_rule(COMMAND_RESPOND)
may_configure_plans = action_rule(PLAN_CONFIGURE)
may_activate_plans = action_rule(PLAN_ACTIVATE)
field_staff = role_rule(
    Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.DEPARTMENT_HANDLER
)
may_command_map = role_rule(
    Role.COUNTY_DISPATCHER, Role.CITY_LEADER, Role.PROVINCE_LEADER, Role.TOWNSHIP_STAFF
)


@reads_only_roles
def may_read_plans(user) -> bool:
    return may_configure_plans(user) or may_activate_plans(user)
