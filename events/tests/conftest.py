import pytest

from events.models import EventCategory
from events.services import event_report
from governance.roles import Role
from governance.services import department_create
from grids.models import Area

GRID = "220102001001001"
VILLAGE = "220102001001"
TOWNSHIP = "220102001000"
COUNTY = "220102000000"
CITY = "220100000000"


@pytest.fixture
def cast(make_user):
    """The people of one case's journey, each in their own unit."""
    county = Area.objects.get(code=COUNTY)
    cgj = department_create(actor=None, code="220102-CGJ-T", name="南关区城市管理局", area=county)
    scj = department_create(actor=None, code="220102-SCJ-T", name="南关区市场监管局", area=county)

    class Cast:
        grid = Area.objects.get(code=GRID)
        worker = make_user(Role.GRID_WORKER, GRID, "w_grid")
        village = make_user(Role.VILLAGE_STAFF, VILLAGE, "w_village")
        township = make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "w_township")
        dispatcher = make_user(Role.COUNTY_DISPATCHER, COUNTY, "w_county")
        city = make_user(Role.COUNTY_DISPATCHER, CITY, "w_city")
        leader = make_user(Role.PROVINCE_LEADER, "220000000000", "w_leader")
        chengguan = make_user(Role.DEPARTMENT_HANDLER, COUNTY, "w_cgj", department=cgj)
        market = make_user(Role.DEPARTMENT_HANDLER, COUNTY, "w_scj", department=scj)
        outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", "w_other")
        dept_cgj = cgj
        dept_scj = scj

    return Cast


@pytest.fixture
def category():
    def get(code="0101", **changes):
        cat = EventCategory.objects.get(code=code)
        for k, v in changes.items():
            setattr(cat, k, v)
        cat.save()
        return cat

    return get


@pytest.fixture
def reported(cast, category):
    """A neighbour dispute reported by the grid worker at the grid's inner point."""

    def make(code="0101", **kw):
        grid = Area.objects.get(code=GRID)
        return event_report(
            actor=cast.worker,
            title=kw.pop("title", "楼上漏水邻里纠纷"),
            category=category(code),
            lng=grid.centroid.x,
            lat=grid.centroid.y,
            description="三楼漏水到二楼",
            **kw,
        )

    return make
