"""Who configures, computes and reads assessments."""

from governance.navigation import action_rule, reads_only_roles
from governance.roles import Action


@reads_only_roles
def may_configure_rules(user) -> bool:
    """Indicator systems and rules are provincial settings: a province administrator."""
    from governance.access import WHOLE_PROVINCE, allowed

    return allowed(user, WHOLE_PROVINCE, Action.CONFIGURE)


may_read_schemes = action_rule(Action.VIEW)
