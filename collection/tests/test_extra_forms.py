"""Extra fields configured by an administrator are rendered in the phone forms and
validated on save, with the schema's own messages."""

import pytest

from collection.duties import extra_schema_set
from collection.models import House, Person
from collection.tests.factories import GRID, valid_id
from governance.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user):
    admin = make_user(Role.ADMIN, "220000000000", "xf_admin")
    extra_schema_set(
        actor=admin,
        dataset="people",
        schema={
            "type": "object",
            "properties": {
                "education": {"title": "学历", "type": "string", "enum": ["初中", "高中", "本科"]},
                "children": {"title": "子女数", "type": "integer", "minimum": 0},
            },
        },
    )
    extra_schema_set(
        actor=admin,
        dataset="houses",
        schema={
            "type": "object",
            "required": ["floor"],
            "properties": {"floor": {"title": "楼层", "type": "integer", "minimum": -3}},
        },
    )
    return make_user(Role.GRID_WORKER, GRID, "xf_worker")


def test_person_form_renders_and_saves_the_extra_fields(client, worker):
    client.force_login(worker)
    page = client.get("/collection/people/new/").content.decode()
    assert "扩展信息" in page and "学历" in page and 'name="extra-children"' in page
    form = {
        "grid": GRID,
        "name": "钱七",
        "id_number": valid_id("22010219800101003"),
        "kind": "registered",
        "extra-education": "本科",
        "extra-children": "-1",
    }
    r = client.post("/collection/people/new/", form)
    assert r.status_code == 200 and "子女数" in r.content.decode()  # the schema's minimum
    assert not Person.objects.filter(name="钱七").exists()
    r = client.post("/collection/people/new/", {**form, "extra-children": "两个"})
    assert r.status_code == 200 and not Person.objects.filter(name="钱七").exists()
    r = client.post("/collection/people/new/", {**form, "extra-children": "2"})
    assert r.status_code == 302
    assert Person.objects.get(name="钱七").extra == {"education": "本科", "children": 2}


def test_house_form_requires_what_the_schema_requires(client, worker):
    client.force_login(worker)
    page = client.get("/collection/houses/new/").content.decode()
    assert "楼层" in page
    form = {"grid": GRID, "address": "扩展小区 1 栋", "use": "self"}
    r = client.post("/collection/houses/new/", form)
    assert r.status_code == 200 and "请填写楼层" in r.content.decode()
    assert not House.objects.filter(address="扩展小区 1 栋").exists()
    r = client.post("/collection/houses/new/", {**form, "extra-floor": "6"})
    assert r.status_code == 302
    assert House.objects.get(address="扩展小区 1 栋").extra == {"floor": 6}


def test_masked_extra_fields_follow_the_field_policy(api_client, make_user, worker):
    from collection.duties import extra_schema_set
    from collection.services import person_create
    from grids.models import Area

    admin = make_user(Role.ADMIN, "220000000000", "xf_admin2")
    extra_schema_set(
        actor=admin,
        dataset="people",
        schema={
            "type": "object",
            "properties": {
                "contact": {"title": "紧急联系人电话", "type": "string", "x-mask": "phone"}
            },
        },
    )
    person = person_create(
        actor=worker,
        grid=Area.objects.get(code=GRID),
        name="孙八",
        id_number=valid_id("22010219800101013"),
        extra={"contact": "13712345678"},
    )
    leader = make_user(Role.CITY_LEADER, "220100000000", "xf_leader")
    assert api_client(leader).get(f"/api/v1/people/{person.pk}/").json()["extra"] == {
        "contact": "137****5678"
    }
    assert api_client(worker).get(f"/api/v1/people/{person.pk}/").json()["extra"] == {
        "contact": "13712345678"
    }
