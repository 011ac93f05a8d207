"""Actions on base data (people, houses, organisations, places, visits, tags).

Only the staff who keep a grid's records change them directly. Departments contribute
data through imports, which the grid workers verify (核准), and read what the field
policy shows them; they do not edit records (issue 8, item 4).
"""

from django.utils.translation import gettext_lazy as _

from governance.roles import UNIT_ROLES, action_register

BASEDATA_CHANGE = action_register(
    "basedata.change",
    label=_("登记或修改基础信息"),
    write=True,
    roles=UNIT_ROLES,
)
