"""Issue 8 items 1, 2 and 16: reporting needs the report action; every step that names a
department checks it; the audit row of a step records every field it changed."""

import pytest

from events.models import Event, Status
from events.selectors import dispatch_departments
from events.services import EventActionError, event_transition
from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area

from .conftest import GRID

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role,code",
    [
        (Role.AUDITOR, "220000000000"),
        (Role.PROVINCE_LEADER, "220000000000"),
        (Role.CITY_LEADER, "220100000000"),
        (Role.ADMIN, "220000000000"),
    ],
)
def test_view_only_roles_cannot_report(api_client, client, make_user, category, role, code):
    user = make_user(role, code)
    grid = Area.objects.get(code=GRID)
    before = Event.objects.count()
    r = api_client(user).post(
        "/api/v1/events/",
        {"title": "查看角色上报", "category": "0101", "grid": GRID},
        format="json",
    )
    assert r.status_code == 403, r.content
    assert r.json()["code"] == "forbidden"
    r = api_client(user).post(
        "/api/v1/events/",
        {
            "title": "查看角色上报",
            "category": "0101",
            "lng": grid.centroid.x,
            "lat": grid.centroid.y,
        },
        format="json",
    )
    assert r.status_code == 403
    client.force_login(user)
    r = client.post(
        "/events/report/",
        {"title": "查看角色上报", "category": "0101", "grid": GRID, "lng": "", "lat": ""},
    )
    assert r.status_code in (200, 403)  # the form again with the refusal, or 403
    assert Event.objects.count() == before


def test_the_report_page_is_not_offered_to_view_only_roles(client, make_user):
    client.force_login(make_user(Role.PROVINCE_LEADER, "220000000000"))
    assert "/events/report/" not in client.get("/").content.decode()


def test_transfer_to_another_countys_department_is_refused(api_client, cast, reported):
    kuancheng = department_create(
        actor=None,
        code="220103-CGJ-T",
        name="宽城区城市管理局",
        area=Area.objects.get(code="220103000000"),
    )
    e = reported("0601")  # the county accepts
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    event_transition(actor=cast.dispatcher, event=e, action="dispatch", department=cast.dept_cgj)
    e.refresh_from_db()
    r = api_client(cast.dispatcher).post(
        f"/api/v1/events/{e.number}/actions/transfer/",
        {"department": kuancheng.code, "note": "转"},
        format="json",
    )
    assert r.status_code == 403, r.content
    e.refresh_from_db()
    assert e.current_department_id == cast.dept_cgj.pk
    assert kuancheng.pk not in e.departments
    handler = cast.outsider  # 宽城区: never reads the case
    assert api_client(handler).get(f"/api/v1/events/{e.number}/").status_code == 404
    # The same rule for dispatch.
    e2 = reported("0601")
    event_transition(actor=cast.dispatcher, event=e2, action="accept")
    with pytest.raises(EventActionError) as exc:
        event_transition(actor=cast.dispatcher, event=e2, action="dispatch", department=kuancheng)
    assert exc.value.code == "forbidden"
    assert Event.objects.get(pk=e2.pk).status == Status.ACCEPTED


def test_the_page_offers_exactly_the_departments_the_service_accepts(client, cast, reported):
    department_create(
        actor=None,
        code="220103-SCJ-T",
        name="宽城区市场监管局",
        area=Area.objects.get(code="220103000000"),
    )
    e = reported("0601")  # the county accepts
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    offered = set(dispatch_departments(event=e).values_list("code", flat=True))
    assert {"220102-CGJ-T", "220102-SCJ-T"} <= offered
    assert "220103-SCJ-T" not in offered
    client.force_login(cast.dispatcher)
    page = client.get(f"/events/{e.number}/").content.decode()
    assert "南关区城市管理局" in page and "宽城区市场监管局" not in page


def test_the_audit_row_of_a_step_records_every_field_it_changed(cast, reported):
    e = reported("0601")  # the county accepts
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    event_transition(
        actor=cast.dispatcher,
        event=e,
        action="dispatch",
        department=cast.dept_cgj,
        note="请城管处理",
    )
    row = AuditLog.objects.filter(action="event.dispatch", object_id=str(e.pk)).get()
    changes = row.changes
    assert changes["status"] == [Status.ACCEPTED, Status.DISPATCHED]
    assert changes["current_department_id"] == [None, cast.dept_cgj.pk]
    assert changes["dispatched_by_area_id"][1] is not None
    assert "step_deadline" in changes and "departments" in changes
    event_transition(actor=cast.chengguan, event=e, action="sign")
    row = AuditLog.objects.filter(action="event.sign", object_id=str(e.pk)).get()
    assert row.changes["handler_id"] == [None, cast.chengguan.pk]
    assert "deadline" in row.changes
    # Nothing that identifies the citizen or opens the tracking page is written.
    for r in AuditLog.objects.filter(object_id=str(e.pk), action__startswith="event."):
        assert not {"reporter_phone", "reporter_name", "tracking_code"} & r.changes.keys()
