import pytest
from django.conf import settings

from governance.roles import Role
from mediation.tests.factories import GRID, TOWNSHIP


@pytest.fixture(autouse=True)
def media_root(tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def grid():
    from grids.models import Area

    return Area.objects.get(code=GRID)


@pytest.fixture
def township(grid):
    from grids.models import Area

    return Area.objects.get(code=TOWNSHIP)


@pytest.fixture
def clerk(make_user):
    """The county centre's window clerk (a 综治中心 dispatcher)."""
    return make_user(Role.COUNTY_DISPATCHER, "220102000000", "m_clerk")


@pytest.fixture
def mediator(make_user):
    return make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "m_mediator")


@pytest.fixture
def kc_clerk(make_user):
    return make_user(Role.COUNTY_DISPATCHER, "220103000000", "m_kc_clerk")
