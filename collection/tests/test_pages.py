import pytest

from collection.models import Person
from collection.tests.factories import GRID, valid_id
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_grid_worker_registers_a_person_from_the_phone_form(client, worker):
    client.force_login(worker)
    r = client.post(
        "/collection/people/new/",
        {
            "grid": GRID,
            "name": "赵六",
            "id_number": valid_id("22010219700101003"),
            "phone": "13900001111",
            "kind": "registered",
        },
    )
    assert r.status_code == 302
    p = Person.objects.get(name="赵六")
    assert p.grid.code == GRID and p.phone == "13900001111"
    html = client.get("/collection/").content.decode()
    assert 'id="count-people">1<' in html and "赵六" in html
    assert valid_id("22010219700101003") not in html  # masked in the list
    html = client.get("/collection/", {"q": valid_id("22010219700101003")}).content.decode()
    assert "赵六" in html  # exact lookup by full ID number


def test_inline_errors_in_chinese(client, worker):
    client.force_login(worker)
    good = valid_id("22010219700101003")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")  # wrong check digit
    r = client.post(
        "/collection/people/new/",
        {"grid": GRID, "name": "错", "kind": "registered", "id_number": bad},
    )
    html = r.content.decode()
    assert r.status_code == 200 and "校验" in html
    assert Person.objects.count() == 0


def test_outsider_sees_nobody(client, worker, make_user):
    client.force_login(worker)
    client.post(
        "/collection/people/new/",
        {
            "grid": GRID,
            "name": "赵六",
            "id_number": valid_id("22010219700101003"),
            "kind": "registered",
        },
    )
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    from django.test import Client

    other = Client()
    other.force_login(outsider)
    assert "赵六" not in other.get("/collection/").content.decode()


def test_house_page_lists_residents_and_visit_form(client, worker):
    from collection.models import Visit
    from collection.services import house_create, person_create
    from grids.models import Area

    grid = Area.objects.get(code=GRID)
    house = house_create(actor=worker, grid=grid, address="华阳小区3栋101", use="rental")
    a = person_create(
        actor=worker, grid=grid, name="住户甲", house=house, id_number=valid_id("22010219880808001")
    )
    client.force_login(worker)
    html = client.get(f"/collection/houses/{house.pk}/").content.decode()
    assert "住户甲" in html and "出租" in html
    r = client.post(
        "/collection/visits/new/",
        {"grid": GRID, "place": "3栋101", "findings": "租户信息核实无误", "people": [a.pk]},
    )
    assert r.status_code == 302
    assert Visit.objects.get().people.get() == a
    r = client.post("/collection/visits/new/", {"grid": GRID, "place": "x", "findings": ""})
    assert r.status_code == 200 and "请填写走访情况" in r.content.decode()


def test_staff_list_filters_masks_and_reveals_with_audit(client, worker, make_user):
    from collection.models import PersonTag
    from collection.services import person_create
    from governance.models import AuditLog
    from grids.models import Area

    grid = Area.objects.get(code=GRID)
    a = person_create(
        actor=worker,
        grid=grid,
        name="标签甲",
        phone="13911112222",
        id_number=valid_id("22010219770707007"),
    )
    PersonTag.objects.create(person=a, tag="correction")
    person_create(actor=worker, grid=grid, name="普通乙", id_number=valid_id("22010219780808008"))
    dispatcher = make_user(Role.COUNTY_DISPATCHER, "220102000000", "p_disp")
    client.force_login(dispatcher)
    html = client.get("/collection/people/", {"tag": "correction"}).content.decode()
    assert "标签甲" in html and "普通乙" not in html and "社区矫正" in html
    assert valid_id("22010219770707007") not in html
    detail = client.get(f"/collection/people/{a.pk}/").content.decode()
    assert "********" in detail and "查看完整号码" in detail
    revealed = client.post(f"/collection/people/{a.pk}/", {"reveal": "id_number"})
    assert valid_id("22010219770707007") in revealed.content.decode()
    assert AuditLog.objects.filter(action="person.reveal", actor=dispatcher).exists()
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", "p_out")
    client.force_login(outsider)
    assert "标签甲" not in client.get("/collection/people/").content.decode()
    assert client.get(f"/collection/people/{a.pk}/").status_code == 404


def test_house_with_location_shows_on_the_map(client, worker, make_user):
    from grids.models import Area

    grid = Area.objects.get(code=GRID)
    client.force_login(worker)
    r = client.post(
        "/collection/houses/new/",
        {
            "grid": GRID,
            "address": "地图上的房屋",
            "use": "rental",
            "lng": grid.centroid.x,
            "lat": grid.centroid.y,
        },
    )
    assert r.status_code == 302
    fc = client.get("/api/v1/collection-points/").json()
    assert [f["properties"]["label"] for f in fc["features"]] == ["地图上的房屋"]
    assert fc["features"][0]["properties"]["rental"] is True
    assert 'id="data-map"' in client.get("/collection/map/").content.decode()
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", "m_out")
    client.force_login(outsider)
    assert client.get("/api/v1/collection-points/").json()["features"] == []


def test_house_form_renders(client, worker):
    client.force_login(worker)
    r = client.get("/collection/houses/new/")
    assert r.status_code == 200 and 'id="pick-map"' in r.content.decode()
