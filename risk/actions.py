"""Actions on warnings and warning rules."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import action_rule, reads_only_roles
from governance.roles import UNIT_ROLES, Action, Role, action_register

# 签收, 处置, 解除: the staff of the units warnings are addressed to.
WARNING_HANDLE = action_register(
    "risk.warning_handle",
    label=_("签收、处置、解除预警"),
    write=True,
    roles=UNIT_ROLES | {Role.ADMIN},
)


@reads_only_roles
def may_configure_rules(user) -> bool:
    """Rules are provincial settings: an administrator held at the province."""
    from governance.access import WHOLE_PROVINCE, allowed

    return allowed(user, WHOLE_PROVINCE, Action.CONFIGURE)


may_read_warnings = action_rule(Action.VIEW)
