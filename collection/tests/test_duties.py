import datetime as dt

import pytest
from django.utils import timezone

from collection.models import Person, PersonTag, VerificationTask
from collection.services import house_create, person_create, visit_create
from collection.tests.factories import GRID, valid_id
from collection.verification import verification_tasks_create
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "d_worker")
    township = make_user(Role.TOWNSHIP_STAFF, "220102001000", "d_township")
    grid = Area.objects.get(code=GRID)
    return worker, township, grid


def test_task_list_shows_what_is_due_in_the_grid(api_client, setup):
    worker, township, grid = setup
    for rule, title in [
        ("tag_visit", "重点人员每月走访"),
        ("rental_tenants", "出租房登记租户"),
        ("person_phone", "人口须有电话"),
    ]:
        r = api_client(township).post(
            "/api/v1/task-items/",
            {"area": "220102001000", "title": title, "rule": rule, "every_days": 30},
            format="json",
        )
        assert r.status_code == 201, r.content
    a = person_create(actor=worker, grid=grid, name="重点甲", id_number=valid_id())
    PersonTag.objects.create(person=a, tag="released")
    b = person_create(
        actor=worker,
        grid=grid,
        name="重点乙",
        id_number=valid_id("22010219800101001"),
        phone="13900002222",
    )
    PersonTag.objects.create(person=b, tag="petition")
    visit_create(
        actor=worker,
        grid=grid,
        visited_at=timezone.now() - dt.timedelta(days=3),
        place="家中",
        findings="情况稳定",
        people=[b],
    )
    house_create(actor=worker, grid=grid, address="出租屋 5 号", use="rental")
    duties = {
        d["rule"]: d for d in api_client(worker).get("/api/v1/grid-duties/", {"grid": GRID}).json()
    }
    assert duties["tag_visit"]["due"] == 1 and duties["tag_visit"]["examples"] == ["重点甲"]
    assert duties["rental_tenants"]["examples"] == ["出租屋 5 号"]
    assert duties["person_phone"]["examples"] == ["重点甲"]
    outsider = api_client(township)  # township staff see their grid too
    assert outsider.get("/api/v1/grid-duties/", {"grid": GRID}).status_code == 200


def test_only_county_or_township_set_the_list(api_client, setup):
    worker, _t, _g = setup
    r = api_client(worker).post(
        "/api/v1/task-items/", {"area": GRID, "title": "x", "rule": "person_phone"}, format="json"
    )
    assert r.status_code == 400


def test_extra_fields_are_validated_against_the_schema(setup, make_user, api_client):
    worker, _t, grid = setup
    from collection.duties import extra_schema_set

    admin = make_user(Role.ADMIN, "220000000000")
    extra_schema_set(
        actor=admin,
        dataset="people",
        schema={"type": "object", "properties": {"blood_type": {"enum": ["A", "B", "AB", "O"]}}},
    )
    r = api_client(worker).post(
        "/api/v1/people/",
        {
            "grid": GRID,
            "name": "扩展",
            "id_number": valid_id("22010219750505005"),
            "extra": {"blood_type": "Z"},
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "extra_invalid"
    assert "blood_type" in r.json()["detail"]  # no title in this schema: the key
    r = api_client(worker).post(
        "/api/v1/people/",
        {
            "grid": GRID,
            "name": "扩展",
            "id_number": valid_id("22010219750505005"),
            "extra": {"blood_type": "AB"},
        },
        format="json",
    )
    assert r.status_code == 201


def test_verification_loop(api_client, setup, make_user):
    worker, _t, grid = setup
    people = [
        person_create(actor=None, grid=grid, name=n, id_number=valid_id(b))
        for n, b in [
            ("核准甲", "22010219600101001"),
            ("核准乙", "22010219600101002"),
            ("核准丙", "22010219600101003"),
        ]
    ]
    verification_tasks_create(
        dataset="people", source="公安人口库导入", rows=[(p.pk, grid.pk, grid.path) for p in people]
    )
    c = api_client(worker)
    tasks = c.get("/api/v1/verifications/", {"status": "pending"}).json()["results"]
    assert len(tasks) == 3
    by_obj = {t["object_id"]: t["id"] for t in tasks}
    ok = c.post(
        f"/api/v1/verifications/{by_obj[str(people[0].pk)]}/decide/",
        {"decision": "confirmed"},
        format="json",
    )
    assert ok.status_code == 200
    fix = c.post(
        f"/api/v1/verifications/{by_obj[str(people[1].pk)]}/decide/",
        {"decision": "corrected", "corrections": {"phone": "13700003333"}},
        format="json",
    )
    assert fix.status_code == 200 and Person.objects.get(pk=people[1].pk).phone == "13700003333"
    no_reason = c.post(
        f"/api/v1/verifications/{by_obj[str(people[2].pk)]}/decide/",
        {"decision": "rejected"},
        format="json",
    )
    assert no_reason.status_code == 400
    progress = c.get("/api/v1/verifications/progress/").json()
    assert progress == [
        {
            "grid": GRID,
            "name": grid.name,
            "total": 3,
            "pending": 1,
            "confirmed": 1,
            "corrected": 1,
            "rejected": 0,
            "done_percent": 66.7,
        }
    ]
    assert AuditLog.objects.filter(action="verification.corrected").exists()
    # Only the grid's own worker decides; an outsider does not even see the tasks.
    leader = make_user(Role.PROVINCE_LEADER, "220000000000")
    r = api_client(leader).post(
        f"/api/v1/verifications/{by_obj[str(people[2].pk)]}/decide/",
        {"decision": "confirmed"},
        format="json",
    )
    assert r.status_code == 403
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    assert api_client(outsider).get("/api/v1/verifications/").json()["count"] == 0
    assert VerificationTask.objects.filter(status="pending").count() == 1


def test_imported_people_are_pushed_down_for_verification(setup, tmp_path, settings):
    """An applied import creates one verification task per person in their grid."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from collection.imports import (
        import_job_apply,
        import_job_apply_request,
        import_job_create,
        import_job_validate,
    )

    worker, township, grid = setup
    settings.MEDIA_ROOT = str(tmp_path)
    csv = (
        "姓名,证件号码,所属网格\n"
        f"导入甲,{valid_id('22010219660606001')},{GRID}\n"
        f"导入乙,{valid_id('22010219660606002')},{GRID}\n"
    ).encode()
    job = import_job_create(
        actor=township,
        mode="all_or_nothing",
        file=SimpleUploadedFile("people.csv", csv, content_type="text/csv"),
    )
    import_job_validate(job_id=job.pk)
    job.refresh_from_db()
    import_job_apply_request(actor=township, job=job)
    import_job_apply(job_id=job.pk)
    tasks = VerificationTask.objects.filter(status="pending", grid=grid)
    assert tasks.count() == 2 and tasks.first().source.startswith(f"导入 #{job.pk}")


def test_a_visit_can_report_the_problem_it_found(client, api_client, setup):
    from collection.models import Visit
    from events.models import Event

    worker, _t, grid = setup
    client.force_login(worker)
    page = client.get("/collection/visits/new/").content.decode()
    assert "同时上报事件" in page and 'name="category"' in page
    r = client.post(
        "/collection/visits/new/",
        {
            "grid": GRID,
            "place": "3 栋楼道",
            "findings": "楼道堆放杂物,堵塞消防通道\n已劝导",
            "report": "1",
            "category": "0302",
            "title": "",
        },
    )
    event = Event.objects.get(title="楼道堆放杂物,堵塞消防通道")
    assert r.status_code == 302 and r["Location"].endswith(f"/{event.number}/")
    visit = Visit.objects.get(event=event)
    assert visit.place == "3 栋楼道" and event.grid_id == grid.pk
    assert event.traces.exists() and visit.findings.startswith("楼道堆放杂物")
    # Through the API, and a bad category changes nothing.
    r = api_client(worker).post(
        "/api/v1/visits/",
        {
            "grid": GRID,
            "place": "门口",
            "findings": "正常",
            "visited_at": "2026-11-20T09:00:00",
            "report_category": "nope",
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = api_client(worker).post(
        "/api/v1/visits/",
        {
            "grid": GRID,
            "place": "门口",
            "findings": "路灯不亮",
            "visited_at": "2026-11-20T09:00:00+08:00",
            "report_category": "0603",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["event"]
