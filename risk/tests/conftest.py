import pytest

from governance.roles import Role
from risk.tests.factories import GRID


@pytest.fixture
def grid():
    from grids.models import Area

    return Area.objects.get(code=GRID)


@pytest.fixture
def worker(make_user):
    return make_user(Role.GRID_WORKER, GRID, "r_worker")


@pytest.fixture
def township_staff(make_user):
    return make_user(Role.TOWNSHIP_STAFF, "220102001000", "r_township")


@pytest.fixture
def kc_worker(make_user, first_grid):
    return make_user(Role.GRID_WORKER, first_grid("220103000000").code, "r_kc_worker")


@pytest.fixture
def province_admin(make_user):
    return make_user(Role.ADMIN, "220000000000", "r_admin")
