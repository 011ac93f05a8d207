"""Special groups and key youth (特殊人群 · 重点青少年): tag schemas, the tag service with
its audit and change rows, jurisdiction on the API and the pages, per-tag visit
frequency in the grid's duties, and the mobile form."""

import datetime as dt

import jsonschema
import pytest
from django.utils import timezone

from collection import tags
from collection.duties import grid_duties, task_item_create
from collection.models import PersonTag
from collection.services import person_create, visit_create
from collection.tests.factories import GRID, valid_id
from governance.models import AuditLog, Change
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db

TOWNSHIP = GRID[:9] + "000"  # 220102001000
PROVINCE = "220000000000"

VALID = {
    "released": {
        "original_charge": "盗窃罪",
        "sentence": "有期徒刑三年",
        "release_date": "2023-06-01",
        "prison": "吉林省某监狱",
        "resettlement": "employed",
        "recidivist": False,
    },
    "correction": {
        "correction_type": "probation",
        "correction_start": "2024-01-01",
        "correction_end": "2026-12-31",
        "original_charge": "危险驾驶罪",
    },
    "drug": {
        "drug_types": ["meth", "ketamine"],
        "seized_date": "2024-03-15",
        "control_measure": "community_rehab",
    },
    "mental": {
        "diagnosis": "schizophrenia",
        "risk_level": 0,
        "guardian_name": "王芳",
        "guardian_phone": "13912345678",
        "caused_trouble": False,
    },
    "aids_risk": {"category": "high_risk", "follow_up": "regular"},
    "petition": {
        "reason": "征地补偿纠纷",
        "petition_count": 3,
        "last_date": "2025-01-10",
        "measures": "包保责任人每周走访",
    },
    "key_youth": {
        "youth_type": "left_behind",
        "guardian_name": "李奶奶",
        "help_measures": "结对帮扶,每月家访",
    },
}

# tag → (changes to a valid extra, field in error, fragment of the Chinese message)
INVALID = {
    "released": ({"release_date": None}, "release_date", "请填写释放日期"),
    "correction": (
        {"correction_type": "house_arrest"},
        "correction_type",
        "请从列表中选择矫正类别",
    ),
    "drug": ({"seized_date": "2024-02-30"}, "seized_date", "查获日期须为有效日期"),
    "mental": ({"risk_level": 7}, "risk_level", "危险性评估等级不能大于 5"),
    "aids_risk": ({"follow_up": ""}, "follow_up", "请填写随访情况"),
    "petition": ({"petition_count": 0}, "petition_count", "上访次数不能小于 1"),
    "key_youth": ({"youth_type": "gang"}, "youth_type", "请从列表中选择类型"),
}


@pytest.fixture
def worker(make_user):
    return make_user(Role.GRID_WORKER, GRID, "t_worker")


@pytest.fixture
def person(worker, grid):
    return person_create(
        actor=worker, grid=grid, name="张重点", id_number=valid_id("22010219850505001")
    )


@pytest.fixture
def other_grid_worker(make_user, grid):
    other = (
        Area.objects.filter(level=6, parent=grid.parent)
        .exclude(pk=grid.pk)
        .order_by("code")
        .first()
        or Area.objects.filter(level=6, code__startswith="220102")
        .exclude(pk=grid.pk)
        .order_by("code")
        .first()
    )
    return make_user(Role.GRID_WORKER, other.code, "t_other_worker")


# -- schemas ----------------------------------------------------------------------------


@pytest.mark.parametrize("tag", PersonTag.Tag.values)
def test_default_schema_is_a_valid_schema_with_chinese_titles(tag):
    schema = tags.default_tag_schemas()[tag]
    jsonschema.Draft202012Validator.check_schema(schema)
    fields = tags.schema_fields(schema)
    assert fields and all(f["title"] != f["key"] for f in fields)
    assert set(schema["required"]) <= {f["key"] for f in fields}
    assert 1 <= tags.default_visit_every_days(tag, schema) <= 366


@pytest.mark.parametrize("tag", PersonTag.Tag.values)
def test_valid_extra_passes(tag):
    assert tags.validate_tag_extra(tag, VALID[tag]) == VALID[tag]


@pytest.mark.parametrize("tag", PersonTag.Tag.values)
def test_invalid_extra_is_refused_with_a_chinese_message_per_field(tag):
    change, field, fragment = INVALID[tag]
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.validate_tag_extra(tag, {**VALID[tag], **change})
    assert fragment in exc.value.field_errors[field]
    assert fragment in exc.value.messages[0] and exc.value.code == "extra_invalid"


def test_more_rules_unknown_fields_dates_in_order_phone_and_many_choices():
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.validate_tag_extra("released", {**VALID["released"], "nickname": "x"})
    assert "不是该类别的字段" in exc.value.field_errors["nickname"]
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.validate_tag_extra(
            "correction", {**VALID["correction"], "correction_end": "2023-12-31"}
        )
    assert exc.value.field_errors == {"correction_end": "矫正结束日期不能早于矫正开始日期。"}
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.validate_tag_extra("mental", {**VALID["mental"], "guardian_phone": "12345"})
    assert "监护人电话格式不正确" in exc.value.field_errors["guardian_phone"]
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.validate_tag_extra("drug", {**VALID["drug"], "drug_types": ["meth", "tea"]})
    assert "请从列表中选择吸食毒品种类" in exc.value.field_errors["drug_types"]
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.validate_tag_extra("mental", {})
    assert set(exc.value.field_errors) == {
        "diagnosis",
        "risk_level",
        "guardian_name",
        "guardian_phone",
        "caused_trouble",
    }
    # landlines too; blank strings count as not filled in
    assert (
        tags.validate_tag_extra(
            "key_youth",
            {**VALID["key_youth"], "guardian_phone": "0431-88886666", "guardian_relation": " "},
        )["guardian_phone"]
        == "0431-88886666"
    )


def test_administrator_overrides_a_schema_and_resets_it(api_client, admin, worker, person):
    override = {
        "type": "object",
        "title": "刑满释放人员(本省)",
        "x-visit-every-days": 10,
        "x-order": ["prison_no", "release_date"],
        "properties": {
            "release_date": {"type": "string", "format": "date", "title": "释放日期"},
            "prison_no": {"type": "string", "title": "服刑编号", "pattern": "^[0-9]{8}$"},
        },
        "required": ["prison_no"],
    }
    assert (
        api_client(worker).put("/api/v1/tag-schemas/released/", override, format="json").status_code
        == 403
    )
    r = api_client(admin).put("/api/v1/tag-schemas/released/", override, format="json")
    assert r.status_code == 200 and r.json()["overridden"] is True
    assert r.json()["visit_every_days"] == 10
    assert tags.tag_schema("released") == override
    assert [f["key"] for f in tags.schema_fields(override)] == ["prison_no", "release_date"]
    with pytest.raises(tags.TagExtraInvalid) as exc:
        tags.person_tag_set(actor=worker, person=person, tag="released", extra=VALID["released"])
    assert "请填写服刑编号" in exc.value.field_errors["prison_no"]
    tag_obj, _created = tags.person_tag_set(
        actor=worker, person=person, tag="released", extra={"prison_no": "20190001"}
    )
    assert tag_obj.visit_every_days == 10  # the override's default frequency
    listed = {s["tag"]: s for s in api_client(worker).get("/api/v1/tag-schemas/").json()}
    assert listed["released"]["overridden"] and not listed["drug"]["overridden"]
    assert listed["drug"]["label"] == "吸毒人员"
    assert listed["drug"]["schema"]["properties"]["seized_date"]["title"] == "查获日期"
    bad = api_client(admin).put("/api/v1/tag-schemas/drug/", {"type": "string"}, format="json")
    assert bad.status_code == 400
    r = api_client(admin).delete("/api/v1/tag-schemas/released/")
    assert r.status_code == 200 and r.json()["overridden"] is False
    assert "original_charge" in tags.tag_schema("released")["properties"]
    assert AuditLog.objects.filter(action="extra_schema.set", actor=admin).exists()
    assert AuditLog.objects.filter(action="extra_schema.reset", actor=admin).exists()


# -- the service: audit, change feed, jurisdiction ----------------------------------------


def test_set_update_and_end_write_audit_and_change_rows(worker, person):
    before = Change.objects.filter(dataset="people", object_id=str(person.pk), op="update").count()
    tag_obj, created = tags.person_tag_set(
        actor=worker,
        person=person,
        tag="mental",
        start_date=dt.date(2024, 5, 1),
        responsible=worker,
        extra=VALID["mental"],
    )
    assert created and tag_obj.visit_every_days == 14 and tag_obj.responsible == worker
    entry = AuditLog.objects.get(action="person_tag.create")
    assert entry.actor == worker and entry.area_path == person.area_path
    assert entry.changes["extra.guardian_name"] == [None, "王芳"]
    assert entry.changes["extra.guardian_phone"] == [None, "***"]  # protected
    assert entry.changes["extra.diagnosis"] == [None, "***"]
    assert entry.changes["start_date"] == [None, "2024-05-01"]
    assert "13912345678" not in str(entry.changes) and "schizophrenia" not in str(entry.changes)

    tag_obj, created = tags.person_tag_set(
        actor=worker,
        person=person,
        tag="mental",
        visit_every_days=7,
        extra={**VALID["mental"], "risk_level": 3, "guardian_phone": "13900001111"},
    )
    assert not created and tag_obj.start_date == dt.date(2024, 5, 1)  # kept
    entry = AuditLog.objects.get(action="person_tag.update")
    assert entry.changes == {
        "visit_every_days": [14, 7],
        "extra.risk_level": [0, 3],
        "extra.guardian_phone": ["***", "***"],
    }

    tags.person_tag_end(actor=worker, tag_obj=tag_obj, reason="病情稳定,迁出本地")
    tag_obj.refresh_from_db()
    assert tag_obj.end_date == timezone.localdate()
    assert AuditLog.objects.get(action="person_tag.end").changes["ended_reason"] == [
        None,
        "病情稳定,迁出本地",
    ]
    assert (
        Change.objects.filter(dataset="people", object_id=str(person.pk), op="update").count()
        == before + 3
    )
    with pytest.raises(Exception, match="已结束"):
        tags.person_tag_end(actor=worker, tag_obj=tag_obj, reason="again")
    # A new tag of the same kind beside the ended one: history is kept.
    again, created = tags.person_tag_set(
        actor=worker, person=person, tag="mental", extra=VALID["mental"]
    )
    assert created and person.tags.filter(tag="mental").count() == 2


def test_service_refuses_bad_input(worker, person, make_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="未知的人员类别"):
        tags.person_tag_set(actor=worker, person=person, tag="gang", extra={})
    with pytest.raises(ValidationError, match="起始日期不能晚于今天"):
        tags.person_tag_set(
            actor=worker,
            person=person,
            tag="drug",
            extra=VALID["drug"],
            start_date=timezone.localdate() + dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="走访周期"):
        tags.person_tag_set(
            actor=worker, person=person, tag="drug", extra=VALID["drug"], visit_every_days=0
        )
    far = make_user(
        Role.GRID_WORKER,
        Area.objects.filter(level=6, code__startswith="220103").order_by("code").first().code,
        "t_far",
    )
    leader = make_user(Role.CITY_LEADER, "220100000000", "t_leader")
    for user in (far, leader):  # another county; a role that only views
        with pytest.raises(ValidationError, match="责任人须在") as exc:
            tags.person_tag_set(
                actor=worker, person=person, tag="drug", extra=VALID["drug"], responsible=user
            )
        assert exc.value.code == "invalid_responsible"
    township = make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "t_township")
    tag_obj, _c = tags.person_tag_set(
        actor=worker, person=person, tag="drug", extra=VALID["drug"], responsible=township
    )
    assert tag_obj.responsible == township
    with pytest.raises(ValidationError, match="结束原因"):
        tags.person_tag_end(actor=worker, tag_obj=tag_obj, reason=" ")
    assert not AuditLog.objects.filter(action="person_tag.end").exists()


def test_grid_worker_of_another_grid_cannot_tag(other_grid_worker, person, api_client, client):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        tags.person_tag_set(actor=other_grid_worker, person=person, tag="drug", extra=VALID["drug"])
    assert exc.value.code == "forbidden"
    r = api_client(other_grid_worker).post(
        f"/api/v1/people/{person.pk}/tags/", {"tag": "drug", "extra": VALID["drug"]}, format="json"
    )
    assert r.status_code == 404
    client.force_login(other_grid_worker)
    assert client.get(f"/collection/people/{person.pk}/tags/new/?tag=drug").status_code == 404
    assert not PersonTag.objects.exists()


def test_outsider_gets_404_everywhere(worker, person, outsider, api_client, client):
    tags.person_tag_set(actor=worker, person=person, tag="petition", extra=VALID["petition"])
    api = api_client(outsider)
    base = f"/api/v1/people/{person.pk}/tags/"
    assert api.get(base).status_code == 404
    assert api.get(base + "petition/").status_code == 404
    assert api.post(base, {"tag": "drug", "extra": VALID["drug"]}, format="json").status_code == 404
    assert api.patch(base + "petition/", {"visit_every_days": 3}, format="json").status_code == 404
    assert api.delete(base + "petition/", {"reason": "x"}, format="json").status_code == 404
    client.force_login(outsider)
    for url in (
        f"/collection/people/{person.pk}/",
        f"/collection/people/{person.pk}/tags/new/",
        f"/collection/people/{person.pk}/tags/petition/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/collection/people/{person.pk}/tags/petition/end/", {"reason": "x"}
        ).status_code
        == 404
    )
    tag_obj = PersonTag.objects.get()
    assert tag_obj.end_date is None and tag_obj.visit_every_days == 7


def test_a_viewer_reads_but_cannot_write(worker, person, province_leader, api_client, client):
    tags.person_tag_set(actor=worker, person=person, tag="mental", extra=VALID["mental"])
    api = api_client(province_leader)
    rows = api.get(f"/api/v1/people/{person.pk}/tags/").json()
    assert rows[0]["extra"]["guardian_phone"] == "139****5678"  # masked for leaders
    assert "diagnosis" not in rows[0]["extra"]  # health data: hidden for leaders
    mine = api_client(worker).get(f"/api/v1/people/{person.pk}/tags/").json()[0]["extra"]
    assert mine["guardian_phone"] == "13912345678" and mine["diagnosis"] == "schizophrenia"
    r = api.post(
        f"/api/v1/people/{person.pk}/tags/", {"tag": "drug", "extra": VALID["drug"]}, format="json"
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    client.force_login(province_leader)
    page = client.get(f"/collection/people/{person.pk}/")
    assert page.status_code == 200 and "精神分裂症" not in page.content.decode()
    assert client.get(f"/collection/people/{person.pk}/tags/new/").status_code == 403


# -- the API ----------------------------------------------------------------------------


def test_api_create_update_end_and_list(worker, person, api_client, make_user):
    api = api_client(worker)
    base = f"/api/v1/people/{person.pk}/tags/"
    r = api.post(
        base,
        {"tag": "correction", "extra": {**VALID["correction"], "correction_type": "x"}},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "extra_invalid"
    assert r.json()["errors"] == {"correction_type": "请从列表中选择矫正类别。"}
    assert api.post(base, {"extra": {}}, format="json").status_code == 400
    r = api.post(
        base,
        {
            "tag": "correction",
            "start_date": "2024-01-01",
            "responsible": worker.pk,
            "extra": VALID["correction"],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["tag_label"] == "社区矫正人员" and body["active"] is True
    assert body["visit_every_days"] == 7 and body["responsible_name"] == "t_worker"
    r = api.post(
        base,
        {"tag": "correction", "extra": VALID["correction"], "visit_every_days": 5},
        format="json",
    )
    assert r.status_code == 200 and r.json()["visit_every_days"] == 5
    r = api.patch(base + "correction/", {"visit_every_days": 10}, format="json")
    assert r.status_code == 200 and r.json()["extra"] == VALID["correction"]
    assert api.patch(base + "correction/", {"tag": "drug"}, format="json").status_code == 400
    assert (
        api.patch(base + "correction/", {"responsible": 999999}, format="json").json()["code"]
        == "invalid_responsible"
    )
    assert api.get(base + "drug/").status_code == 404
    assert api.get(base + "nonsense/").status_code == 404
    person_json = api.get(f"/api/v1/people/{person.pk}/").json()
    assert [t["tag"] for t in person_json["tags"]] == ["correction"]
    assert api.delete(base + "correction/", format="json").status_code == 400  # no reason
    r = api.delete(base + "correction/", {"reason": "矫正期满,依法解除"}, format="json")
    assert r.status_code == 200 and r.json()["active"] is False
    assert api.get(base).json() == []
    assert [t["ended_reason"] for t in api.get(base, {"include_ended": "1"}).json()] == [
        "矫正期满,依法解除"
    ]
    assert api.get(f"/api/v1/people/{person.pk}/").json()["tags"] == []


def test_people_list_query_count_does_not_grow_with_tags(worker, grid, api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def tagged(body):
        p = person_create(actor=worker, grid=grid, name="列表", id_number=valid_id(body))
        for tag in ("mental", "drug"):
            tags.person_tag_set(actor=worker, person=p, tag=tag, extra=VALID[tag])

    api = api_client(worker)
    tagged("22010219800101021")
    api.get("/api/v1/people/")  # jurisdiction and roles cached on the user
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/people/")
    for body in ("22010219800101022", "22010219800101023", "22010219800101024"):
        tagged(body)
    with CaptureQueriesContext(connection) as four:
        rows = api.get("/api/v1/people/").json()["results"]
    assert len(rows) == 4 and all(len(r["tags"]) == 2 for r in rows)
    assert len(four) == len(one)


def test_openapi_schema_lists_the_tag_endpoints(api_client, worker):
    r = api_client(worker).get("/api/schema/", {"format": "json"})
    paths = r.json()["paths"]
    assert "/api/v1/people/{person_pk}/tags/" in paths
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/people/{person_pk}/tags/{tag}/"])
    assert "/api/v1/tag-schemas/" in paths


# -- visits due per tag -----------------------------------------------------------------


def test_grid_duties_use_the_strictest_active_tag(worker, grid, make_user, api_client):
    township = make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "t_township2")
    task_item_create(
        actor=township,
        area=Area.objects.get(code=TOWNSHIP),
        title="重点人员按周期走访",
        rule="tag_visit",
        every_days=30,
    )
    now = timezone.now()

    def tagged(name, body, tag_days, visited_days_ago=None, ended=()):
        p = person_create(actor=worker, grid=grid, name=name, id_number=valid_id(body))
        for tag, days in tag_days:
            tags.person_tag_set(
                actor=worker, person=p, tag=tag, visit_every_days=days, extra=VALID[tag]
            )
        for tag in ended:
            tags.person_tag_end(actor=worker, tag_obj=p.tags.get(tag=tag), reason="期满")
        if visited_days_ago is not None:
            visit_create(
                actor=worker,
                grid=grid,
                place="家中",
                findings="稳定",
                people=[p],
                visited_at=now - dt.timedelta(days=visited_days_ago),
            )
        return p

    tagged("矫正甲", "22010219800101011", [("correction", 7)], 10)  # due: 10 > 7
    tagged("释放乙", "22010219800101012", [("released", 30)], 10)  # not due
    tagged("双标丙", "22010219800101013", [("released", 30), ("petition", 7)], 8)  # petition
    tagged(
        "结束丁", "22010219800101014", [("released", 30), ("petition", 7)], 10, ended=["petition"]
    )  # the ended petition tag no longer counts
    tagged("从未戊", "22010219800101015", [("aids_risk", 90)])  # never visited
    person_create(
        actor=worker, grid=grid, name="普通己", id_number=valid_id("22010219800101016")
    )  # no tag, never visited: not a tag duty

    duty = next(d for d in grid_duties(user=worker, grid=grid) if d["rule"] == "tag_visit")
    assert duty["due"] == 3
    assert duty["examples"] == ["从未戊", "矫正甲", "双标丙"]  # never visited first
    details = {d["name"]: d for d in duty["details"]}
    assert details["双标丙"]["tag"] == "petition" and details["双标丙"]["every_days"] == 7
    assert details["双标丙"]["tag_label"] == "重点上访人员"
    assert details["从未戊"]["last_visit"] is None and details["从未戊"]["tag"] == "aids_risk"
    assert duty["by_tag"] == {"correction": 1, "petition": 1, "aids_risk": 1}
    api = api_client(worker).get("/api/v1/grid-duties/", {"grid": GRID}).json()
    assert [d["due"] for d in api if d["rule"] == "tag_visit"] == [3]


# -- pages ------------------------------------------------------------------------------


def test_person_page_lists_tags_with_field_titles(client, worker, person):
    tags.person_tag_set(
        actor=worker, person=person, tag="released", responsible=worker, extra=VALID["released"]
    )
    tags.person_tag_set(actor=worker, person=person, tag="drug", extra=VALID["drug"])
    tags.person_tag_end(actor=worker, tag_obj=person.tags.get(tag="drug"), reason="戒断三年未复吸")
    client.force_login(worker)
    html = client.get(f"/collection/people/{person.pk}/").content.decode()
    assert 'id="tag-released"' in html and "原罪名" in html and "盗窃罪" in html
    assert "安置情况" in html and "已就业" in html and "是否累犯" in html
    assert 'id="tag-drug"' not in html and "戒断三年未复吸" in html  # under ended tags
    assert f"/collection/people/{person.pk}/tags/released/" in html and 'id="add-tag"' in html


def test_mobile_form_adds_a_tag_and_shows_errors_inline(client, worker, person, make_user):
    township = make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "t_township3")
    client.force_login(worker)
    url = f"/collection/people/{person.pk}/tags/new/"
    html = client.get(url).content.decode()
    assert "严重精神障碍患者" in html and "?tag=mental" in html
    html = client.get(url, {"tag": "mental"}).content.decode()
    for text in (
        "诊断",
        "危险性评估等级",
        "监护人电话",
        'name="x-guardian_phone"',
        'value="schizophrenia"',
        "精神分裂症",
        "t_township3",
        'value="14"',
    ):
        assert text in html, text
    data = {
        "tag": "mental",
        "start_date": "",
        "visit_every_days": "14",
        "responsible": township.pk,
        "x-diagnosis": "bipolar",
        "x-risk_level": "9",
        "x-guardian_name": "",
        "x-guardian_phone": "13912345678",
        "x-caused_trouble": "false",
    }
    r = client.post(url, data)
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="error-x-risk_level"' in html and "危险性评估等级不能大于 5" in html
    assert 'id="error-x-guardian_name"' in html and "请填写监护人姓名" in html
    assert 'value="13912345678"' in html  # what was typed is kept
    assert not PersonTag.objects.exists()
    r = client.post(url, {**data, "x-risk_level": "2", "x-guardian_name": "王芳"})
    assert r.status_code == 302 and r["Location"] == f"/collection/people/{person.pk}/"
    tag_obj = PersonTag.objects.get()
    assert tag_obj.responsible == township and tag_obj.extra == {
        "diagnosis": "bipolar",
        "risk_level": 2,
        "guardian_name": "王芳",
        "guardian_phone": "13912345678",
        "caused_trouble": False,
    }
    # adding the same kind again opens the edit page
    r = client.get(url, {"tag": "mental"})
    assert r.status_code == 302 and r["Location"].endswith("/tags/mental/")
    html = client.get(r["Location"]).content.decode()
    assert 'value="王芳"' in html and 'id="tag-end-form"' in html
    r = client.post(
        f"/collection/people/{person.pk}/tags/mental/end/", {"end_date": "", "reason": ""}
    )
    assert r.status_code == 302 and PersonTag.objects.get().end_date is None
    r = client.post(
        f"/collection/people/{person.pk}/tags/mental/end/",
        {"end_date": timezone.localdate().isoformat(), "reason": "迁出本辖区"},
    )
    assert r.status_code == 302 and PersonTag.objects.get().ended_reason == "迁出本辖区"


def test_form_renders_multi_choice_and_refuses_a_responsible_from_elsewhere(
    client, worker, person, outsider
):
    client.force_login(worker)
    url = f"/collection/people/{person.pk}/tags/new/"
    html = client.get(url, {"tag": "drug"}).content.decode()
    assert 'type="checkbox"' in html and "冰毒(甲基苯丙胺)" in html
    r = client.post(
        url,
        {
            "tag": "drug",
            "visit_every_days": "15",
            "responsible": outsider.pk,
            "x-drug_types": ["meth", "heroin"],
            "x-seized_date": "2024-03-15",
            "x-control_measure": "community_detox",
        },
    )
    assert r.status_code == 200 and 'id="error-responsible"' in r.content.decode()
    r = client.post(
        url,
        {
            "tag": "drug",
            "visit_every_days": "15",
            "x-drug_types": ["meth", "heroin"],
            "x-seized_date": "2024-03-15",
            "x-control_measure": "community_detox",
        },
    )
    assert r.status_code == 302
    assert PersonTag.objects.get().extra["drug_types"] == ["meth", "heroin"]
