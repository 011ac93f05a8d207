"""Departments and their system access on 管理后台 (/manage/integrations/): department,
token and webhook writes through the services with audit rows, keys shown once, and
another county's administrator refused."""

import re

import pytest

from governance.models import AuditLog, Department
from governance.roles import Role
from governance.services import department_create
from grids.models import Area
from integrations.models import DepartmentToken, WebhookSubscription
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def test_department_token_and_webhook_lifecycle(client, make_user):
    admin = make_user(Role.ADMIN, NANGUAN, "mi_admin")
    client.force_login(admin)
    r = client.post(
        "/manage/integrations/departments/",
        {"code": "MI-CGJ", "name": "测试城管局", "area": NANGUAN},
    )
    assert r.status_code == 302
    dept = Department.objects.get(code="MI-CGJ")
    r = client.post(f"/manage/integrations/departments/{dept.pk}/tokens/", {"name": "正式环境"})
    assert r.status_code == 200 and "只显示这一次" in r.content.decode()
    raw = re.search(r"<code>(gdt_[^<]+)</code>", r.content.decode())[1]
    token = DepartmentToken.objects.get(department=dept)
    assert raw.startswith(token.prefix)
    assert raw not in client.get(f"/manage/integrations/departments/{dept.pk}/").content.decode()
    client.post(f"/manage/integrations/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    r = client.post(
        f"/manage/integrations/departments/{dept.pk}/webhooks/",
        {"name": "城管系统", "url": "https://example.org/hook", "event_types": "event.*"},
    )
    assert r.status_code == 200 and "whsec_" in r.content.decode()
    sub = WebhookSubscription.objects.get(department=dept)
    client.post(f"/manage/integrations/webhooks/{sub.pk}/deactivate/")
    sub.refresh_from_db()
    assert not sub.active
    done = set(AuditLog.objects.filter(actor=admin).values_list("action", flat=True))
    assert {
        "department.create",
        "department_token.issue",
        "department_token.revoke",
        "webhook_subscription.create",
        "webhook_subscription.deactivate",
    } <= done


def test_another_countys_administrator_gets_404(client, make_user):
    dept = department_create(
        actor=None, code="MI-NG", name="南关测试局", area=Area.objects.get(code=NANGUAN)
    )
    client.force_login(make_user(Role.ADMIN, KUANCHENG, "mi_kc"))
    assert "南关测试局" not in client.get("/manage/integrations/departments/").content.decode()
    assert client.get(f"/manage/integrations/departments/{dept.pk}/").status_code == 404
    r = client.post(f"/manage/integrations/departments/{dept.pk}/tokens/", {"name": "x"})
    assert r.status_code == 404 and not DepartmentToken.objects.filter(department=dept).exists()
    r = client.post(
        "/manage/integrations/departments/",
        {"code": "MI-X", "name": "越权部门", "area": NANGUAN},
    )
    assert r.status_code == 400 and not Department.objects.filter(code="MI-X").exists()
