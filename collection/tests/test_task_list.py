"""The grid task list (网格事务准入清单): its rules, its management by counties and
townships (API and page), extra-field schemas for administrators and the verification
progress rolled up per area."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collection.duties import (
    grid_duties,
    task_item_create,
    task_item_delete,
    task_item_update,
)
from collection.models import ExtraFieldSchema, PersonTag, TaskItem
from collection.services import house_create, person_create, visit_create
from collection.tests.factories import GRID, valid_id
from collection.verification import verification_progress, verification_tasks_create
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db

TOWNSHIP = "220102001000"
COUNTY = "220102000000"
OTHER_COUNTY = "220103000000"


@pytest.fixture
def township(make_user):
    return make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "tl_township")


def _item(actor, rule, every_days=30, area=TOWNSHIP, title=None):
    return task_item_create(
        actor=actor,
        area=Area.objects.get(code=area),
        title=title or f"事项 {rule}",
        rule=rule,
        every_days=every_days,
    )


def _duty(user, grid, rule) -> dict:
    return next(d for d in grid_duties(user=user, grid=grid) if d["rule"] == rule)


_ids = iter(range(1, 999))


def _person(worker, grid, name, **kw):
    return person_create(
        actor=worker,
        grid=grid,
        name=name,
        id_number=valid_id(f"22010219700101{next(_ids):03d}"),
        **kw,
    )


def _visit(worker, grid, people, days_ago):
    visit_create(
        actor=worker,
        grid=grid,
        place="家中",
        findings="情况稳定",
        people=people,
        visited_at=timezone.now() - dt.timedelta(days=days_ago),
    )


# -- rules ---------------------------------------------------------------------------


def test_person_house_rule(worker, township, grid):
    _item(township, TaskItem.Rule.PERSON_HOUSE)
    house = house_create(actor=worker, grid=grid, address="幸福路 1 号")
    _person(worker, grid, "有房", house=house)
    _person(worker, grid, "无房")
    duty = _duty(worker, grid, "person_house")
    assert duty["due"] == 1 and duty["examples"] == ["无房"]
    assert set(duty) == {"id", "title", "rule", "every_days", "due", "examples"}


def test_house_location_rule(worker, township, grid):
    _item(township, TaskItem.Rule.HOUSE_LOCATION)
    house_create(
        actor=worker, grid=grid, address="有位置 1 号", location=Point(125.33, 43.88, srid=4326)
    )
    house_create(actor=worker, grid=grid, address="无位置 2 号")
    duty = _duty(worker, grid, "house_location")
    assert duty["due"] == 1 and duty["examples"] == ["无位置 2 号"]


def test_rental_visit_rule(worker, township, grid):
    _item(township, TaskItem.Rule.RENTAL_VISIT, every_days=14)
    recent = house_create(actor=worker, grid=grid, address="出租 1 号", use="rental")
    stale = house_create(actor=worker, grid=grid, address="出租 2 号", use="rental")
    house_create(actor=worker, grid=grid, address="出租 3 号(无人)", use="rental")
    house_create(actor=worker, grid=grid, address="自住 4 号")  # not rental: never due
    a = _person(worker, grid, "租户甲", house=recent)
    _person(worker, grid, "租户乙", house=recent)  # one visited resident is enough
    b = _person(worker, grid, "租户丙", house=stale)
    _visit(worker, grid, [a], days_ago=3)
    _visit(worker, grid, [b], days_ago=20)
    duty = _duty(worker, grid, "rental_visit")
    # Never visited first, then the longest unvisited.
    assert duty["examples"] == ["出租 3 号(无人)", "出租 2 号"] and duty["due"] == 2
    # The period is the item's: at 30 days the house visited 20 days ago is not due.
    task_item_update(actor=township, item=TaskItem.objects.get(rule="rental_visit"), every_days=30)
    assert _duty(worker, grid, "rental_visit")["examples"] == ["出租 3 号(无人)"]


def test_tag_visit_uses_the_stricter_of_item_and_tag(worker, township, grid):
    item = _item(township, TaskItem.Rule.TAG_VISIT, every_days=10)
    monthly = _person(worker, grid, "每月走访")
    PersonTag.objects.create(person=monthly, tag="released", visit_every_days=30)
    weekly = _person(worker, grid, "每周走访")
    PersonTag.objects.create(person=weekly, tag="drug", visit_every_days=7)
    _person(worker, grid, "无标签")
    _visit(worker, grid, [monthly], days_ago=15)  # due by the item's 10 days, not the tag
    _visit(worker, grid, [weekly], days_ago=8)  # due by the tag's 7 days
    duty = _duty(worker, grid, "tag_visit")
    assert sorted(duty["examples"]) == ["每周走访", "每月走访"] and duty["due"] == 2
    assert {d["name"]: d["every_days"] for d in duty["details"]} == {"每月走访": 10, "每周走访": 7}
    assert duty["by_tag"] == {"released": 1, "drug": 1}
    task_item_update(actor=township, item=item, every_days=60)  # now the tags decide
    duty = _duty(worker, grid, "tag_visit")
    assert duty["examples"] == ["每周走访"] and duty["by_tag"] == {"drug": 1}


def test_grid_duties_are_set_based(worker, township, grid):
    for rule in TaskItem.Rule.values:
        _item(township, rule)
    for n in range(5):
        h = house_create(actor=worker, grid=grid, address=f"出租 {n} 号", use="rental")
        PersonTag.objects.create(person=_person(worker, grid, f"人{n}", house=h), tag="drug")
    with CaptureQueriesContext(connection) as few:
        duties = grid_duties(user=worker, grid=grid)
    assert len(duties) == 6 and all(
        d["due"] == 5 for d in duties if d["rule"] in ("tag_visit", "rental_visit")
    )
    # The items, one statement per item, one more for tag_visit's per-tag counts; the
    # count does not grow with the people and houses.
    assert len(few.captured_queries) <= 1 + 6 + 1 + 2


# -- managing the list -----------------------------------------------------------------


def test_update_and_delete_through_the_api(api_client, worker, township, outsider, grid):
    item = _item(township, TaskItem.Rule.TAG_VISIT)
    url = f"/api/v1/task-items/{item.pk}/"
    r = api_client(township).patch(
        url, {"title": "重点人员半月一访", "every_days": 15}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["every_days"] == 15 and r.json()["rule_label"] == "重点人员按周期走访"
    log = AuditLog.objects.get(action="task_item.update", object_id=str(item.pk))
    assert log.changes["every_days"] == [30, 15] and log.actor == township
    bad = api_client(township).patch(url, {"every_days": 0}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert api_client(township).patch(url, {"title": "  "}, format="json").status_code == 400
    assert (
        api_client(township).patch(url, {"rule": "person_phone"}, format="json").status_code == 400
    )
    # The grid worker reads the items that apply to their grid but may not change them.
    assert [i["id"] for i in api_client(worker).get("/api/v1/task-items/").json()["results"]] == [
        item.pk
    ]
    r = api_client(worker).patch(url, {"every_days": 5}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert api_client(worker).delete(url).status_code == 403
    # Another county does not even see it.
    assert api_client(outsider).get("/api/v1/task-items/").json()["count"] == 0
    assert api_client(outsider).patch(url, {"every_days": 5}, format="json").status_code == 404
    assert api_client(outsider).delete(url).status_code == 404
    assert api_client(township).delete(url).status_code == 204
    assert not TaskItem.objects.filter(pk=item.pk).exists()
    log = AuditLog.objects.get(action="task_item.delete", object_id=str(item.pk))
    assert log.changes["title"] == ["重点人员半月一访", None]


def test_services_check_rights(worker, township, make_user):
    item = _item(township, TaskItem.Rule.PERSON_PHONE)
    county = make_user(Role.COUNTY_DISPATCHER, COUNTY, "tl_county")
    task_item_update(actor=county, item=item, title="县里改的")  # the county is above
    for actor in (worker, make_user(Role.CITY_LEADER, "220100000000")):  # no CHANGE
        with pytest.raises(ValidationError) as exc:
            task_item_delete(actor=actor, item=item)
        assert exc.value.code == "forbidden"
    with pytest.raises(ValidationError) as exc:
        _item(township, TaskItem.Rule.PERSON_PHONE, area=GRID)  # a grid sets nothing
    assert exc.value.code == "invalid"
    with pytest.raises(ValidationError) as exc:
        _item(township, TaskItem.Rule.PERSON_PHONE, every_days=400)
    assert exc.value.code == "invalid"


def test_api_create_rejects_bad_input(api_client, township):
    c = api_client(township)
    ok = c.post(
        "/api/v1/task-items/",
        {"area": TOWNSHIP, "title": "房屋须标注位置", "rule": "house_location"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["area_name"]
    for body in (
        {"area": TOWNSHIP, "title": "x", "rule": "nope"},
        {"area": TOWNSHIP, "title": "x", "rule": "tag_visit", "every_days": "abc"},
        {"area": OTHER_COUNTY, "title": "x", "rule": "tag_visit"},
    ):
        r = c.post("/api/v1/task-items/", body, format="json")
        assert r.status_code == 400 and set(r.json()) == {"detail", "code"}, body


# -- the page ------------------------------------------------------------------------


def test_page_lists_adds_and_deletes(client, township, outsider):
    kept = _item(township, TaskItem.Rule.RENTAL_VISIT, every_days=21, title="出租房三周一访")
    _item(outsider, TaskItem.Rule.PERSON_PHONE, area=OTHER_COUNTY, title="宽城的事项")
    client.force_login(township)
    page = client.get("/collection/task-items/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "出租房三周一访" in html and "出租房按周期走访" in html and ">21<" in html
    assert "宽城的事项" not in html and 'id="task-item-form"' in html
    assert f'value="{kept.area_id}"' in html and "南关区" not in html  # township only
    r = client.post(
        "/collection/task-items/",
        {
            "area": kept.area_id,
            "title": "人口须关联房屋",
            "rule": "person_house",
            "every_days": "30",
        },
    )
    assert r.status_code == 302
    added = TaskItem.objects.get(title="人口须关联房屋")
    assert added.rule == "person_house" and added.created_by == township
    bad = client.post(
        "/collection/task-items/",
        {"area": kept.area_id, "title": "", "rule": "person_house", "every_days": "0"},
    )
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    assert TaskItem.objects.filter(area=kept.area).count() == 2
    r = client.post("/collection/task-items/", {"delete": added.pk})
    assert r.status_code == 302 and not TaskItem.objects.filter(pk=added.pk).exists()
    assert (
        client.post(
            "/collection/task-items/", {"delete": TaskItem.objects.get(title="宽城的事项").pk}
        ).status_code
        == 404
    )


def test_page_is_read_only_for_a_grid_worker(client, worker, township):
    item = _item(township, TaskItem.Rule.TAG_VISIT, title="重点人员每月走访")
    client.force_login(worker)
    html = client.get("/collection/task-items/").content.decode()
    assert "重点人员每月走访" in html and 'id="read-only"' in html
    assert "task-item-form" not in html and 'name="delete"' not in html
    r = client.post(
        "/collection/task-items/",
        {"area": item.area_id, "title": "x", "rule": "person_phone", "every_days": "30"},
    )
    assert r.status_code == 403 and not TaskItem.objects.filter(title="x").exists()
    assert client.post("/collection/task-items/", {"delete": item.pk}).status_code == 403
    assert TaskItem.objects.filter(pk=item.pk).exists()


# -- extra-field schemas ------------------------------------------------------------------

SCHEMA = {
    "type": "object",
    "properties": {"blood_type": {"title": "血型", "enum": ["A", "B", "AB", "O"]}},
}


def test_extra_schemas_api(api_client, admin, worker, township):
    c = api_client(admin)
    rows = c.get("/api/v1/extra-schemas/").json()
    assert [r["dataset"] for r in rows] == ["people", "houses", "organisations", "places"]
    assert all(r["schema"] == {} for r in rows)
    r = c.put("/api/v1/extra-schemas/people/", SCHEMA, format="json")
    assert r.status_code == 200 and r.json()["schema"] == SCHEMA
    assert api_client(worker).get("/api/v1/extra-schemas/people/").json()["schema"] == SCHEMA
    assert AuditLog.objects.filter(action="extra_schema.set", actor=admin).exists()
    # A save is now validated against it.
    body = {
        "grid": GRID,
        "name": "扩展",
        "id_number": valid_id("22010219750505015"),
        "extra": {"blood_type": "Z"},
    }
    r = api_client(worker).post("/api/v1/people/", body, format="json")
    assert r.status_code == 400 and "血型" in r.json()["detail"]
    body["extra"] = {"blood_type": "O"}
    assert api_client(worker).post("/api/v1/people/", body, format="json").status_code == 201
    # Only a province administrator; bad schemas and unknown classes are refused.
    r = api_client(township).put("/api/v1/extra-schemas/houses/", SCHEMA, format="json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert api_client(township).delete("/api/v1/extra-schemas/people/").status_code == 403
    for bad in (
        {"type": "object", "properties": {"x": {"type": "nope"}}},
        {"type": "string"},
        ["not", "an", "object"],
    ):
        r = c.put("/api/v1/extra-schemas/houses/", bad, format="json")
        assert r.status_code == 400 and set(r.json()) == {"detail", "code"}, bad
    assert not ExtraFieldSchema.objects.filter(dataset="houses").exists()
    for method in ("get", "put", "delete"):
        r = getattr(c, method)("/api/v1/extra-schemas/nope/", SCHEMA, format="json")
        assert r.status_code == 404 and r.json()["code"] == "not_found", method
    # Deleting drops the check.
    r = c.delete("/api/v1/extra-schemas/people/")
    assert r.status_code == 200 and r.json()["schema"] == {}
    assert AuditLog.objects.filter(action="extra_schema.delete", actor=admin).exists()
    body.update(extra={"blood_type": "Z"}, id_number=valid_id("22010219750505016"))
    assert api_client(worker).post("/api/v1/people/", body, format="json").status_code == 201
    # The tag schemas beside it still work.
    assert api_client(worker).get("/api/v1/tag-schemas/").status_code == 200


# -- verification progress ------------------------------------------------------------


def test_verification_progress_rolls_up(api_client, make_user, grid, outsider):
    other = (
        Area.objects.filter(level=6, code__startswith="220102")
        .exclude(path__startswith=grid.parent.parent.path)
        .order_by("code")
        .first()
    )
    second = (
        Area.objects.filter(level=6, parent=grid.parent)
        .exclude(pk=grid.pk)
        .order_by("code")
        .first()
    )
    rows = [(f"p{n}", g.pk, g.path) for n, g in enumerate([grid, grid, second, other])]
    verification_tasks_create(dataset="people", source="测试", rows=rows)
    county = make_user(Role.COUNTY_DISPATCHER, COUNTY, "tl_progress_county")
    c = api_client(county)
    by_grid = c.get("/api/v1/verifications/progress/").json()
    assert len(by_grid) == 3 and set(by_grid[0]) == {
        "grid",
        "name",
        "total",
        "pending",
        "confirmed",
        "corrected",
        "rejected",
        "done_percent",
    }
    townships = c.get("/api/v1/verifications/progress/", {"level": 4}).json()
    assert [(r["area"], r["total"], r["level"]) for r in townships] == [
        (TOWNSHIP, 3, 4),
        (other.parent.parent.code, 1, 4),
    ]
    assert townships[0]["name"] == grid.parent.parent.name
    assert townships[0]["done_percent"] == 0.0 and townships[0]["pending"] == 3
    counties = c.get("/api/v1/verifications/progress/", {"level": "3"}).json()
    assert [(r["area"], r["total"]) for r in counties] == [(COUNTY, 4)]
    villages = verification_progress(user=county, level=5)
    assert sum(r["total"] for r in villages) == 4 and villages[0]["area"] == grid.parent.code
    assert c.get("/api/v1/verifications/progress/", {"level": 2}).status_code == 400
    assert c.get("/api/v1/verifications/progress/", {"level": "x"}).status_code == 400
    for level in (3, 4, 6):
        assert (
            api_client(outsider).get("/api/v1/verifications/progress/", {"level": level}).json()
            == []
        )
