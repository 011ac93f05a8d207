"""Configuration pages of the events (/manage/events/): writes through events.config,
each with an audit row; a county administrator cannot touch the province's tree nor
another county's rules."""

import pytest

from events.config import routing_rule_set
from events.models import EventCategory, RoutingRule
from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db
PROVINCE = "220000000000"


def _category_body(**over):
    body = {
        "code": "9901",
        "name": "测试分类",
        "accept_level": "5",
        "accept_hours": "4",
        "handle_days": "3",
        "verify_days": "2",
        "evidence_required": "on",
        "active": "on",
    }
    body.update(over)
    return body


def test_category_create_and_edit_are_audited(client, make_user):
    admin = make_user(Role.ADMIN, PROVINCE, "me_admin")
    client.force_login(admin)
    assert client.post("/manage/events/categories/new/", _category_body()).status_code == 302
    category = EventCategory.objects.get(code="9901")
    assert category.handle_days == 3 and category.evidence_required
    r = client.post(
        "/manage/events/categories/9901/", _category_body(handle_days="7", evidence_required="")
    )
    assert r.status_code == 302
    category.refresh_from_db()
    assert category.handle_days == 7 and not category.evidence_required
    assert AuditLog.objects.filter(action="category.save", actor=admin).count() == 2
    bad = client.post(
        "/manage/events/categories/new/", _category_body(code="9902", handle_days="0")
    )
    assert bad.status_code == 400 and not EventCategory.objects.filter(code="9902").exists()


def test_a_county_administrator_cannot_change_the_tree(client, make_user):
    client.force_login(make_user(Role.ADMIN, NANGUAN, "me_county"))
    r = client.post("/manage/events/categories/new/", _category_body(code="9903"))
    assert r.status_code == 403 and not EventCategory.objects.filter(code="9903").exists()


def test_routing_rules_scoped_to_the_administrators_county(client, make_user):
    county = Area.objects.get(code=NANGUAN)
    dept = department_create(actor=None, code="ME-CGJ", name="测试城管局", area=county)
    kc = Area.objects.get(code=KUANCHENG)
    kc_dept = department_create(actor=None, code="ME-KC", name="宽城测试局", area=kc)
    category = EventCategory.objects.filter(active=True).order_by("code").first()
    admin = make_user(Role.ADMIN, NANGUAN, "me_ng")
    client.force_login(admin)
    r = client.post(
        "/manage/events/routing/",
        {"category": category.pk, "area": NANGUAN, "department": dept.pk},
    )
    assert r.status_code == 302
    assert RoutingRule.objects.filter(area=county, department=dept).exists()
    assert AuditLog.objects.filter(action="routing.set", actor=admin).exists()
    # Another county's area: a form error, nothing written.
    r = client.post(
        "/manage/events/routing/",
        {"category": category.pk, "area": KUANCHENG, "department": kc_dept.pk},
    )
    assert r.status_code == 400 and "不在您的管辖范围内" in r.content.decode()
    other = routing_rule_set(actor=None, category=category, area=kc, department=kc_dept)
    assert "宽城测试局" not in client.get("/manage/events/routing/").content.decode()
    assert client.post(f"/manage/events/routing/{other.pk}/delete/").status_code == 404
    assert RoutingRule.objects.filter(pk=other.pk).exists()
    mine = RoutingRule.objects.get(area=county, category=category)
    assert "确定删除" in client.get(f"/manage/events/routing/{mine.pk}/delete/").content.decode()
    client.post(f"/manage/events/routing/{mine.pk}/delete/")
    assert not RoutingRule.objects.filter(pk=mine.pk).exists()
    assert AuditLog.objects.filter(action="routing.delete", actor=admin).exists()
