"""`require()`: every write checks the write action it performs, on every target."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from governance.access import WHOLE_PROVINCE, allowed, require
from governance.errors import Forbidden
from governance.roles import Action, Role, action_register, action_spec, registered_actions
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def test_require_refuses_to_check_a_read_action():
    # The mistake behind issue 8 item 1: a write checked against `view`.
    with pytest.raises(ImproperlyConfigured):
        require(None, "220000000000/", Action.VIEW)
    with pytest.raises(ImproperlyConfigured):
        require(None, "220000000000/", "no.such.action")


def test_apps_register_their_own_actions():
    actions = registered_actions()
    assert {"event.report", "basedata.change"} <= actions.keys()
    assert action_spec("event.report").write
    assert Role.PROVINCE_LEADER not in action_spec("event.report").roles
    assert Role.DEPARTMENT_HANDLER not in action_spec("basedata.change").roles
    with pytest.raises(ImproperlyConfigured):  # same name, other roles
        action_register("event.report", label="x", roles={Role.AUDITOR}, write=True)


# Leaders read, with one exception: they command (指挥调度, the product brief: "市/省
# leader … issues commands") — commands and the activation of contingency plans. The
# auditor writes nothing.
LEADERS = {Role.PROVINCE_LEADER, Role.CITY_LEADER}
LEADERS_COMMAND = {"command.issue", "command.plan_activate"}


@pytest.mark.parametrize(
    "role,code",
    [
        (Role.PROVINCE_LEADER, "220000000000"),
        (Role.CITY_LEADER, "220100000000"),
        (Role.AUDITOR, NANGUAN),
    ],
)
def test_view_only_roles_may_do_no_write_anywhere(make_user, role, code):
    user = make_user(role, code)
    nanguan = Area.objects.get(code=NANGUAN)
    assert allowed(user, nanguan, Action.VIEW)
    for action, spec in registered_actions().items():
        if spec.write and not (role in LEADERS and action in LEADERS_COMMAND):
            assert not allowed(user, nanguan, action), action
            with pytest.raises(Forbidden):
                require(user, nanguan, action)


def test_leaders_command_exactly_what_is_named():
    from governance.roles import action_spec

    for action in LEADERS_COMMAND:
        assert LEADERS <= action_spec(action).roles and action_spec(action).write
    assert not any(
        LEADERS & spec.roles
        for name, spec in registered_actions().items()
        if spec.write and name not in LEADERS_COMMAND
    )


def test_targets_outside_the_jurisdiction_are_refused(make_user):
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    require(dispatcher, Area.objects.get(code=NANGUAN), "event.report")
    with pytest.raises(Forbidden) as exc:
        require(dispatcher, Area.objects.get(code=KUANCHENG), "event.report")
    assert exc.value.code == "forbidden"


def test_provincial_settings_need_a_province_level_role(make_user):
    require(make_user(Role.ADMIN, "220000000000"), WHOLE_PROVINCE, Action.CONFIGURE)
    with pytest.raises(Forbidden):
        require(make_user(Role.ADMIN, NANGUAN), WHOLE_PROVINCE, Action.CONFIGURE)
