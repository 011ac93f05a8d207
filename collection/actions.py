"""Actions on base data (people, houses, organisations, places, visits, tags).

Only the staff who keep a grid's records change them directly. Departments contribute
data through imports, which the grid workers verify (核准), and read what the field
policy shows them; they do not edit records (issue 8, item 4).
"""

from django.utils.translation import gettext_lazy as _

from governance.navigation import action_rule, role_rule
from governance.roles import UNIT_ROLES, Role, action_register

BASEDATA_CHANGE = action_register(
    "basedata.change",
    label=_("登记或修改基础信息"),
    write=True,
    roles=UNIT_ROLES,
)

# Page rules, shared by the menu entry and the page (governance.navigation.page_rule).
# 基础信息 (我的网格) is the grid worker's page: other roles reach their records through
# 人口与房屋, within their jurisdiction.
is_grid_worker = role_rule(Role.GRID_WORKER)
# 数据导入 is for the units and departments that hold data in bulk; a grid worker
# registers records one by one and verifies (核准) what is imported into their grid.
may_import = role_rule(
    Role.VILLAGE_STAFF,
    Role.TOWNSHIP_STAFF,
    Role.COUNTY_DISPATCHER,
    Role.DEPARTMENT_HANDLER,
    Role.ADMIN,
)
may_change_basedata = action_rule(BASEDATA_CHANGE)
