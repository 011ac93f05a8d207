"""三员分立: the system administrator configures, the security administrator grants roles
and manages accounts, the auditor reads the trail — never two of them in one account."""

import pytest

from governance.errors import Conflict, Forbidden, NotFound
from governance.models import AuditLog, RoleAssignment
from governance.roles import Role
from governance.services import (
    role_assign,
    user_create,
    user_lock,
    user_password_reset,
    user_unlock,
)
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db
PROVINCE = "220000000000"


def _account(name="sep_target"):
    return user_create(actor=None, username=name, password="Strong#Pass2026", full_name="王敏")


@pytest.mark.parametrize(
    "held,new",
    [
        (Role.AUDITOR, Role.SECURITY_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDITOR),
        (Role.ADMIN, Role.AUDITOR),
        (Role.ADMIN, Role.SECURITY_ADMIN),
        (Role.SECURITY_ADMIN, Role.ADMIN),
    ],
)
def test_one_account_never_holds_two_separated_roles(make_user, held, new):
    secadmin = make_user(Role.SECURITY_ADMIN, PROVINCE, "sep_sec")
    target = _account()
    role_assign(actor=secadmin, user=target, role=held, area=Area.objects.get(code=NANGUAN))
    with pytest.raises(Conflict) as err:
        role_assign(actor=secadmin, user=target, role=new, area=Area.objects.get(code=KUANCHENG))
    assert err.value.code == "role_separation" and "三员分立" in err.value.messages[0]
    assert list(target.role_assignments.values_list("role", flat=True)) == [held]
    # The same separated role elsewhere is fine (an auditor of two counties).
    role_assign(actor=secadmin, user=target, role=held, area=Area.objects.get(code=KUANCHENG))


def test_the_system_itself_is_held_to_the_rule_too():
    target = _account()
    role_assign(actor=None, user=target, role=Role.AUDITOR, area=Area.objects.get(code=PROVINCE))
    with pytest.raises(Conflict):
        role_assign(
            actor=None, user=target, role=Role.SECURITY_ADMIN, area=Area.objects.get(code=PROVINCE)
        )


def test_only_the_security_administrator_grants_roles(make_user):
    target = _account()
    for role in (Role.ADMIN, Role.AUDITOR, Role.COUNTY_DISPATCHER):
        actor = make_user(role, PROVINCE if role != Role.COUNTY_DISPATCHER else NANGUAN)
        with pytest.raises(Forbidden):
            role_assign(
                actor=actor,
                user=target,
                role=Role.VILLAGE_STAFF,
                area=Area.objects.get(code="220102001001"),
            )
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_a_security_administrator_cannot_grant_themselves(make_user):
    secadmin = make_user(Role.SECURITY_ADMIN, PROVINCE, "sep_self")
    with pytest.raises(Forbidden):
        role_assign(
            actor=secadmin, user=secadmin, role=Role.AUDITOR, area=Area.objects.get(code=PROVINCE)
        )


def test_a_county_security_administrator_grants_only_in_the_county(make_user):
    secadmin = make_user(Role.SECURITY_ADMIN, NANGUAN, "sep_county")
    target = _account()
    with pytest.raises(Forbidden):
        role_assign(
            actor=secadmin,
            user=target,
            role=Role.COUNTY_DISPATCHER,
            area=Area.objects.get(code=KUANCHENG),
        )


def test_mixed_duties_from_before_the_rule_read_no_trail(client, make_user):
    # A combination written straight into the table (before the rule existed).
    auditor = make_user(Role.AUDITOR, PROVINCE, "sep_mixed")
    RoleAssignment.objects.create(
        user=auditor, role=Role.SECURITY_ADMIN, area=Area.objects.get(code=PROVINCE)
    )
    client.force_login(auditor)
    assert client.get("/audit/").status_code == 403
    assert client.get("/api/v1/audit-logs/").status_code == 403


def test_security_administrator_and_system_administrator_read_no_trail(client, make_user):
    for role in (Role.SECURITY_ADMIN, Role.ADMIN):
        user = make_user(role, PROVINCE)
        client.force_login(user)
        assert client.get("/audit/export/").status_code == 404
        assert "audit-log" not in client.get("/").content.decode()  # no menu entry
        assert client.get("/api/v1/audit-logs/").json()["results"] == []


def test_lock_unlock_and_password_reset_are_scoped_and_audited(make_user):
    secadmin = make_user(Role.SECURITY_ADMIN, NANGUAN, "sep_lock")
    target = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "sep_worker")
    outsider = make_user(Role.SECURITY_ADMIN, KUANCHENG, "sep_kc")
    with pytest.raises(NotFound):
        user_lock(actor=outsider, user=target)
    user_lock(actor=secadmin, user=target)
    target.refresh_from_db()
    assert not target.is_active
    user_unlock(actor=secadmin, user=target)
    password = user_password_reset(actor=secadmin, user=target)
    target.refresh_from_db()
    assert target.is_active and target.check_password(password)
    actions = list(
        AuditLog.objects.filter(actor=secadmin, object_id=str(target.pk)).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["user.lock", "user.password_reset", "user.unlock"]
    assert password not in str(AuditLog.objects.filter(actor=secadmin).values_list("changes"))
    with pytest.raises(Forbidden):
        user_lock(actor=secadmin, user=secadmin)
