"""Editing people and houses from a phone; foreigners' documents in the form; the staff
lists of houses and organisations with their filters and exports."""

import io

import pytest
from openpyxl import load_workbook

from collection.models import House, Person
from collection.services import house_create, organisation_create, person_create
from collection.tests.factories import GRID, PHONE, valid_id
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_grid_worker_edits_a_person_without_retyping_the_id(client, worker, grid):
    number = valid_id("22010219850505005")
    person = person_create(actor=worker, grid=grid, name="原名", id_number=number, phone=PHONE)
    client.force_login(worker)
    page = client.get(f"/collection/people/{person.pk}/edit/").content.decode()
    assert "修改人口信息" in page and number not in page and "220102********" in page
    r = client.post(
        f"/collection/people/{person.pk}/edit/",
        {
            "name": "新名",
            "doc_type": "id_card",
            "id_number": "",
            "phone": "13900009999",
            "kind": "floating",
            "residence_address": "新地址",
            "relation": "",
        },
    )
    assert r.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.phone, person.kind, person.id_number) == (
        "新名",
        "13900009999",
        "floating",
        number,
    )
    assert AuditLog.objects.filter(action="person.update", object_id=str(person.pk)).exists()
    r = client.post(
        f"/collection/people/{person.pk}/edit/",
        {"name": "新名", "doc_type": "id_card", "id_number": "220102", "kind": "floating"},
    )
    assert r.status_code == 400 and "18 位" in r.content.decode()


def test_edit_is_refused_to_viewers_and_hidden_from_outsiders(client, worker, grid, make_user):
    person = person_create(
        actor=worker, grid=grid, name="甲", id_number=valid_id("22010219850505015")
    )
    client.force_login(make_user(Role.CITY_LEADER, "220100000000", "ed_leader"))
    assert client.get(f"/collection/people/{person.pk}/edit/").status_code == 403
    assert "edit-person" not in client.get(f"/collection/people/{person.pk}/").content.decode()
    client.force_login(make_user(Role.COUNTY_DISPATCHER, "220103000000", "ed_out"))
    assert client.get(f"/collection/people/{person.pk}/edit/").status_code == 404


def test_foreigner_registered_from_the_form(client, worker):
    client.force_login(worker)
    form = {
        "grid": GRID,
        "name": "ANNA PETROVA",
        "doc_type": "foreign",
        "id_number": "75 1234567",
        "gender": "female",
        "birth_date": "1991-04-02",
        "kind": "foreign",
    }
    r = client.post("/collection/people/new/", form)
    assert r.status_code == 200 and "5 到 20 位" in r.content.decode()
    r = client.post("/collection/people/new/", {**form, "id_number": "751234567"})
    assert r.status_code == 302
    anna = Person.objects.get(name="ANNA PETROVA")
    assert (anna.doc_type, anna.gender, str(anna.birth_date)) == ("foreign", "female", "1991-04-02")
    # A resident number with a birth date that disagrees with it is refused.
    r = client.post(
        "/collection/people/new/",
        {
            "grid": GRID,
            "name": "乙",
            "doc_type": "id_card",
            "id_number": valid_id("22010219900307123"),
            "birth_date": "1990-03-08",
            "kind": "registered",
        },
    )
    assert r.status_code == 200 and "不一致" in r.content.decode()


def test_house_edit(client, worker, grid):
    house = house_create(
        actor=worker, grid=grid, address="编辑小区 1 栋", use="rental", location=grid.centroid
    )
    house_create(actor=worker, grid=grid, address="编辑小区 2 栋")
    client.force_login(worker)
    assert "修改房屋信息" in client.get(f"/collection/houses/{house.pk}/edit/").content.decode()
    r = client.post(
        f"/collection/houses/{house.pk}/edit/",
        {"address": "编辑小区 2 栋", "use": "self", "owner_name": ""},
    )
    assert r.status_code == 400 and "已登记这个地址" in r.content.decode()
    r = client.post(
        f"/collection/houses/{house.pk}/edit/",
        {"address": "编辑小区 1 栋 A", "use": "self", "owner_name": "周某"},
    )
    assert r.status_code == 302
    house.refresh_from_db()
    assert (house.address, house.use, house.owner_name) == ("编辑小区 1 栋 A", "self", "周某")
    assert house.location is not None  # kept when the map was not touched


def test_staff_lists_of_houses_and_organisations(client, worker, grid, make_user):
    house_create(actor=worker, grid=grid, address="列表 1 号", use="rental")
    house_create(actor=worker, grid=grid, address="列表 2 号", use="self")
    organisation_create(
        actor=worker, grid=grid, name="列表协会", kind="social", credit_code="91350100M000100Y43"
    )
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "ed_county")
    client.force_login(county)
    page = client.get("/collection/houses/", {"use": "rental"}).content.decode()
    assert "列表 1 号" in page and "列表 2 号" not in page
    assert "api/v1/houses/export/?use=rental" in page
    r = client.get("/api/v1/houses/export/", {"use": "rental"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["列表 1 号"]
    page = client.get("/collection/organisations/", {"q": "91350100M000100Y43"}).content
    assert "列表协会" in page.decode()
    client.force_login(make_user(Role.COUNTY_DISPATCHER, "220103000000", "ed_out2"))
    assert "列表 1 号" not in client.get("/collection/houses/").content.decode()
    assert "列表协会" not in client.get("/collection/organisations/").content.decode()
    assert House.objects.count() == 2
