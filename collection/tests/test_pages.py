import pytest

from collection.models import Person
from governance.roles import Role

from .test_people_api import GRID, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user):
    return make_user(Role.GRID_WORKER, GRID, "p_worker")


def test_grid_worker_registers_a_person_from_the_phone_form(client, worker):
    client.force_login(worker)
    r = client.post("/collection/people/new/", {
        "grid": GRID, "name": "赵六", "id_number": valid_id("22010219700101003"),
        "phone": "13900001111", "kind": "registered"})
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
    r = client.post("/collection/people/new/", {"grid": GRID, "name": "错", "kind": "registered",
                                                "id_number": bad})
    html = r.content.decode()
    assert r.status_code == 200 and "校验" in html
    assert Person.objects.count() == 0


def test_outsider_sees_nobody(client, worker, make_user):
    client.force_login(worker)
    client.post("/collection/people/new/", {
        "grid": GRID, "name": "赵六", "id_number": valid_id("22010219700101003"),
        "kind": "registered"})
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
    a = person_create(actor=worker, grid=grid, name="住户甲", house=house,
                      id_number=valid_id("22010219880808001"))
    client.force_login(worker)
    html = client.get(f"/collection/houses/{house.pk}/").content.decode()
    assert "住户甲" in html and "出租" in html
    r = client.post("/collection/visits/new/", {"grid": GRID, "place": "3栋101",
                                                "findings": "租户信息核实无误",
                                                "people": [a.pk]})
    assert r.status_code == 302
    assert Visit.objects.get().people.get() == a
    r = client.post("/collection/visits/new/", {"grid": GRID, "place": "x", "findings": ""})
    assert r.status_code == 200 and "请填写走访情况" in r.content.decode()
