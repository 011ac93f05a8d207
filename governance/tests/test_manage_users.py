"""The security administrator's pages (/manage/users/): every write goes through the
service and leaves an audit row; another county's security administrator gets 404."""

import re

import pytest

from governance.models import AuditLog, RoleAssignment
from governance.roles import Role
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db
PROVINCE = "220000000000"


@pytest.fixture
def secadmin(make_user):
    return make_user(Role.SECURITY_ADMIN, NANGUAN, "mu_sec")


def test_home_shows_each_administrator_their_own_sections(client, make_user, secadmin):
    client.force_login(secadmin)
    html = client.get("/manage/").content.decode()
    assert "/manage/users/" in html and "/manage/events/categories/" not in html
    client.force_login(make_user(Role.ADMIN, PROVINCE, "mu_sys"))
    html = client.get("/manage/").content.decode()
    assert "/manage/events/categories/" in html and "/manage/users/" not in html
    client.force_login(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "mu_disp"))
    assert client.get("/manage/").status_code == 404
    assert client.get("/manage/users/").status_code == 404


def test_create_an_account_with_its_first_role(client, secadmin):
    client.force_login(secadmin)
    r = client.post(
        "/manage/users/new/",
        {
            "username": "mu_new",
            "full_name": "李新",
            "phone": "",
            "role": Role.COUNTY_DISPATCHER,
            "area": NANGUAN,
        },
    )
    assert r.status_code == 200
    password = re.search(r"<code>([^<]+)</code>", r.content.decode())[1]
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="mu_new")
    assert user.check_password(password)
    assert AuditLog.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    assert AuditLog.objects.filter(action="role.assign", actor=secadmin).exists()
    # Listed and found by display name.
    html = client.get("/manage/users/", {"q": "李新"}).content.decode()
    assert "mu_new" in html


def test_bad_input_is_a_form_error_not_a_500(client, secadmin):
    client.force_login(secadmin)
    r = client.post(
        "/manage/users/new/",
        {"username": "bad name!", "full_name": "", "role": Role.GRID_WORKER, "area": "999"},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "账号只能包含" in html and "没有编码为 999 的区域" in html
    r = client.post(
        "/manage/users/new/",
        {"username": "mu_lvl", "full_name": "某", "role": Role.GRID_WORKER, "area": NANGUAN},
    )
    assert r.status_code == 400 and "不能分配在" in r.content.decode()


def test_conflicting_role_is_refused_with_409(client, secadmin, make_user):
    target = make_user(Role.AUDITOR, NANGUAN, "mu_aud")
    client.force_login(secadmin)
    r = client.post(
        f"/manage/users/{target.pk}/roles/",
        {"role": Role.SECURITY_ADMIN, "area": NANGUAN},
    )
    assert r.status_code == 409 and "三员分立" in r.content.decode()
    assert list(target.role_assignments.values_list("role", flat=True)) == [Role.AUDITOR]


def test_revoke_lock_and_reset_through_confirmations(client, secadmin, make_user):
    target = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "mu_t")
    ra = target.role_assignments.get()
    client.force_login(secadmin)
    assert "确定" in client.get(f"/manage/users/{target.pk}/lock/").content.decode()
    assert client.post(f"/manage/users/{target.pk}/lock/").status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    client.post(f"/manage/users/{target.pk}/unlock/")
    r = client.post(f"/manage/users/{target.pk}/password/")
    assert r.status_code == 200 and "只显示这一次" in r.content.decode()
    assert (
        "确定撤销"
        in client.get(f"/manage/users/{target.pk}/roles/{ra.pk}/revoke/").content.decode()
    )
    client.post(f"/manage/users/{target.pk}/roles/{ra.pk}/revoke/")
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    done = set(AuditLog.objects.filter(actor=secadmin).values_list("action", flat=True))
    assert {"user.lock", "user.unlock", "user.password_reset", "role.revoke"} <= done


def test_another_countys_security_administrator_gets_404(client, make_user):
    target = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "mu_ng")
    kc = make_user(Role.SECURITY_ADMIN, KUANCHENG, "mu_kc")
    client.force_login(kc)
    assert "mu_ng" not in client.get("/manage/users/").content.decode()
    before = AuditLog.objects.count()
    for method, path in [
        ("get", f"/manage/users/{target.pk}/"),
        ("post", f"/manage/users/{target.pk}/lock/"),
        ("post", f"/manage/users/{target.pk}/password/"),
        ("post", f"/manage/users/{target.pk}/roles/"),
    ]:
        assert getattr(client, method)(path).status_code == 404
    target.refresh_from_db()
    assert target.is_active and AuditLog.objects.count() == before
