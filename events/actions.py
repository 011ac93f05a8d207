"""Actions of the case process, registered with the kernel (governance/roles.py).

Reporting is its own action: viewing a grid's cases does not let a leader or an
auditor report one there (issue 8, item 1).
"""

from django.utils.translation import gettext_lazy as _

from governance.navigation import action_rule
from governance.roles import UNIT_ROLES, Role, action_register

EVENT_REPORT = action_register(
    "event.report",
    label=_("上报事件"),
    write=True,
    # Grid, village, township and county staff report what they find; a department
    # handler reports what its own system or inspectors found (source "部门系统").
    roles=UNIT_ROLES | {Role.DEPARTMENT_HANDLER},
)

# The page 上报事件, its menu entry and the report service share this one rule (the
# service checks it per grid with `require`).
may_report = action_rule(EVENT_REPORT)
