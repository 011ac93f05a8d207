import pytest

from command.tests.factories import GRID, KUANCHENG, NANGUAN
from governance.roles import Role


@pytest.fixture
def grid():
    from grids.models import Area

    return Area.objects.get(code=GRID)


@pytest.fixture
def dispatcher(make_user):
    return make_user(Role.COUNTY_DISPATCHER, NANGUAN, "c_dispatcher")


@pytest.fixture
def worker(make_user):
    return make_user(Role.GRID_WORKER, GRID, "c_worker")


@pytest.fixture
def worker2(make_user, grid):
    """Another grid worker of the same village."""
    from grids.models import Area

    other = Area.objects.filter(parent=grid.parent).exclude(pk=grid.pk).order_by("code").first()
    return make_user(Role.GRID_WORKER, other.code, "c_worker2")


@pytest.fixture
def township_staff(make_user, grid):
    return make_user(Role.TOWNSHIP_STAFF, grid.parent.parent.code, "c_township")


@pytest.fixture
def kc_dispatcher(make_user):
    return make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "c_kc_dispatcher")


@pytest.fixture
def kc_worker(make_user, first_grid):
    return make_user(Role.GRID_WORKER, first_grid(KUANCHENG).code, "c_kc_worker")


@pytest.fixture
def plan_admin(make_user):
    return make_user(Role.ADMIN, NANGUAN, "c_admin")
