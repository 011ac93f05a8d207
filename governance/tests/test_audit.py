import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, ProgrammingError, transaction

from governance.models import AuditLog
from governance.roles import Role
from governance.services import role_assign, role_revoke, user_create
from grids.models import Area
from grids.services import area_rename
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def test_services_write_audit_rows_with_before_and_after(make_user, rf):
    from governance.middleware import _client_ip

    admin = make_user(Role.ADMIN, "220000000000")
    township = Area.objects.get(code="220102001000")
    token = _client_ip.set("10.1.2.3")
    try:
        area_rename(actor=admin, area=township, name="南岭街道(新)")
    finally:
        _client_ip.reset(token)
    log = AuditLog.objects.filter(action="area.rename").latest("id")
    assert log.actor == admin and log.actor_name == admin.username
    assert log.changes == {"name": ["南岭街道", "南岭街道(新)"]}
    assert log.object_id == str(township.pk) and log.area_path == township.path
    assert log.ip == "10.1.2.3"


def test_role_assign_and_revoke_are_audited(make_user):
    admin = make_user(Role.SECURITY_ADMIN, "220000000000")
    user = user_create(actor=admin, username="li_si", password="Strong#Pass2026")
    ra = role_assign(
        actor=admin, user=user, role=Role.COUNTY_DISPATCHER, area=Area.objects.get(code=NANGUAN)
    )
    role_revoke(actor=admin, assignment=ra)
    actions = list(AuditLog.objects.filter(actor=admin).values_list("action", flat=True))
    assert {"user.create", "role.assign", "role.revoke"} <= set(actions)


def test_admin_cannot_configure_outside_jurisdiction(make_user):
    admin = make_user(Role.ADMIN, NANGUAN)
    with pytest.raises(ValidationError):
        area_rename(actor=admin, area=Area.objects.get(code=KUANCHENG), name="x")
    assert Area.objects.get(code=KUANCHENG).name == "宽城区"


def test_role_level_is_checked(make_user):
    user = user_create(actor=None, username="zhao", password="Strong#Pass2026")
    with pytest.raises(ValidationError) as err:
        role_assign(
            actor=None, user=user, role=Role.GRID_WORKER, area=Area.objects.get(code=NANGUAN)
        )
    assert err.value.code == "wrong_level"


def test_audit_rows_cannot_be_changed_or_deleted(make_user):
    make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    log = AuditLog.objects.latest("id")
    for attempt in (
        lambda: AuditLog.objects.filter(pk=log.pk).update(action="forged"),
        lambda: AuditLog.objects.filter(pk=log.pk).delete(),
    ):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)):
            with transaction.atomic():
                attempt()
    assert AuditLog.objects.get(pk=log.pk).action == log.action


def test_auditor_sees_only_their_jurisdiction(client, make_user):
    admin = make_user(Role.ADMIN, "220000000000")
    area_rename(actor=admin, area=Area.objects.get(code="220102001000"), name="甲")
    area_rename(actor=admin, area=Area.objects.get(code="220103002000"), name="乙")
    auditor = make_user(Role.AUDITOR, NANGUAN)
    client.force_login(auditor)
    html = client.get("/audit/", {"action": "area.rename"}).content.decode()
    assert "甲" in html and "乙" not in html
    api = client.get("/api/v1/audit-logs/", {"action": "area.rename"}).json()
    reprs = [row["object_repr"] for row in api["results"]]
    assert any("甲" in r for r in reprs) and not any("乙" in r for r in reprs)
    other = AuditLog.objects.filter(object_repr__contains="乙").get()
    assert client.get(f"/api/v1/audit-logs/{other.pk}/").status_code == 404


def test_non_auditor_gets_no_audit_rows(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    assert client.get("/api/v1/audit-logs/").json()["count"] == 0
    html = client.get("/audit/").content.decode()
    assert "没有符合条件的记录" in html


def test_audit_api_is_read_only(client, make_user):
    auditor = make_user(Role.AUDITOR, "220000000000")
    client.force_login(auditor)
    log = AuditLog.objects.latest("id")
    assert client.delete(f"/api/v1/audit-logs/{log.pk}/").status_code == 405
    assert client.post("/api/v1/audit-logs/", {}).status_code == 405
