"""Actions on disputes: intake and every mediation step are the units' and the mediation
departments' (a 综治中心 window clerk is a county dispatcher); the code rules and
the linked departments are provincial settings of the administrator."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import action_rule, reads_only_roles
from governance.roles import UNIT_ROLES, Action, Role, action_register

DISPUTE_HANDLE = action_register(
    "mediation.dispute_handle",
    label=_("受理、调解矛盾纠纷"),
    write=True,
    roles=UNIT_ROLES | {Role.DEPARTMENT_HANDLER, Role.ADMIN},
)

may_read = action_rule(Action.VIEW)
may_handle = action_rule(DISPUTE_HANDLE)


@reads_only_roles
def may_configure_rules(user) -> bool:
    """The code rules and the linked departments are provincial settings: an
    administrator held at the province."""
    from governance.access import WHOLE_PROVINCE, allowed

    return allowed(user, WHOLE_PROVINCE, Action.CONFIGURE)
