"""The field policy looks at the roles a user holds over the record's area: a grid worker
who is also a city leader sees phones in full in their own grid only, and may reveal
numbers only there."""

import pytest

from collection.services import person_create, person_reveal
from collection.tests.factories import GRID, PHONE, valid_id
from governance.roles import Role
from governance.services import role_assign
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_roles_count_only_over_the_records_area(api_client, make_user):
    own = Area.objects.get(code=GRID)
    elsewhere = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    user = make_user(Role.GRID_WORKER, GRID, "pol_worker")
    role_assign(
        actor=None, user=user, role=Role.CITY_LEADER, area=Area.objects.get(code="220100000000")
    )
    clerk = make_user(Role.COUNTY_DISPATCHER, "220103000000", "pol_clerk")
    near = person_create(
        actor=user, grid=own, name="近", phone=PHONE, id_number=valid_id("22010219900101001")
    )
    far = person_create(
        actor=clerk, grid=elsewhere, name="远", phone=PHONE, id_number=valid_id("22010319900101002")
    )
    rows = {p["name"]: p for p in api_client(user).get("/api/v1/people/").json()["results"]}
    assert rows["近"]["phone"] == PHONE  # as the grid worker of this grid
    assert rows["远"]["phone"] == "138****5678"  # only a city leader over there
    assert "*" in rows["远"]["id_number"] and "*" in rows["近"]["id_number"]
    assert person_reveal(actor=user, person=near, field="id_number") == near.id_number
    with pytest.raises(Exception, match="无权"):
        person_reveal(actor=user, person=far, field="id_number")
