"""Address text → area by the names of the tree (grids.geocode)."""

import pytest
from django.db.models import Count

from grids.geocode import area_for_address
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_the_deepest_area_the_address_names():
    grid = Area.objects.get(code="220102001001001")
    village, township, county = grid.parent, grid.parent.parent, grid.parent.parent.parent
    full = f"吉林省长春市{county.name}{township.name}{village.name}{grid.name}人民大街 8 号"
    assert area_for_address(full) == grid
    assert area_for_address(f"{county.name}{township.name}幸福路 3 号") == township
    assert area_for_address(f"长春市{county.name}") == county
    assert area_for_address("火星路 1 号") is None
    assert area_for_address("") is None and area_for_address("吉") is None


def test_namesakes_are_told_apart_by_their_ancestors_or_not_guessed():
    name = (
        Area.objects.filter(level=5)
        .values("name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name")
        .values_list("name", flat=True)
        .first()
    )
    assert name, "the test tree holds two villages of the same name"
    a, b = Area.objects.filter(level=5, name=name).order_by("code")[:2]
    for village in (a, b):
        township = village.parent
        assert area_for_address(f"{township.name}{name}") == village
    # The name alone does not say which: the deepest area above both.
    common = area_for_address(f"{name}10 号")
    assert common is not None and a.path.startswith(common.path)
    assert b.path.startswith(common.path) and common.level < 5
