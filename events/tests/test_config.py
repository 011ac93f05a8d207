import pytest

from events.models import EventCategory
from events.routing import suggested_department
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_province_admin_maintains_categories(api_client, make_user):
    admin = make_user(Role.ADMIN, "220000000000")
    r = api_client(admin).post(
        "/api/v1/event-categories/",
        {
            "code": "0605",
            "name": "共享单车乱停放",
            "parent": "06",
            "accept_level": 4,
            "handle_days": 2,
            "evidence_required": True,
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    c = EventCategory.objects.get(code="0605")
    assert c.parent.code == "06" and c.accept_level == 4 and c.evidence_required
    assert AuditLog.objects.filter(action="category.save", object_id=str(c.pk)).exists()


def test_county_admin_cannot_change_the_provincial_tree(api_client, make_user):
    admin = make_user(Role.ADMIN, "220102000000")
    r = api_client(admin).post(
        "/api/v1/event-categories/", {"code": "0606", "name": "x"}, format="json"
    )
    assert r.status_code == 403


def test_routing_rule_suggests_the_department(api_client, cast, reported, make_user):
    admin = make_user(Role.ADMIN, "220102000000")
    c = api_client(admin)
    r = c.post(
        "/api/v1/routing-rules/",
        {"category": "06", "area": "220102000000", "department": cast.dept_scj.code},
        format="json",
    )
    assert r.status_code == 201
    r = c.post(
        "/api/v1/routing-rules/",
        {"category": "0601", "area": "220102000000", "department": cast.dept_cgj.code},
        format="json",
    )
    assert r.status_code == 201
    e = reported("0601")
    assert suggested_department(e) == cast.dept_cgj  # the more specific category wins
    e2 = reported("0603")
    assert suggested_department(e2) == cast.dept_scj  # falls back to the parent category
    detail = api_client(cast.dispatcher).get(f"/api/v1/events/{e.number}/").json()
    assert detail["suggested_department"] == cast.dept_cgj.code


def test_routing_rules_are_scoped(api_client, cast, make_user):
    admin = make_user(Role.ADMIN, "220102000000")
    api_client(admin).post(
        "/api/v1/routing-rules/",
        {"category": "06", "area": "220102000000", "department": cast.dept_cgj.code},
        format="json",
    )
    other = make_user(Role.ADMIN, "220103000000")
    assert api_client(other).get("/api/v1/routing-rules/").json()["count"] == 0
    r = api_client(other).post(
        "/api/v1/routing-rules/",
        {"category": "06", "area": "220102000000", "department": cast.dept_cgj.code},
        format="json",
    )
    assert r.status_code == 400  # the area is not even visible to them
