import pytest

from governance.roles import Role


@pytest.fixture
def province_admin(make_user):
    return make_user(Role.ADMIN, "220000000000", "a_admin")


@pytest.fixture
def townships():
    from grids.models import Area

    return list(Area.objects.filter(level=4, code__startswith="220102").order_by("code"))
