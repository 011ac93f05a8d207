"""Base-data lists (issue 11): sortable columns by whitelisted keys, numbered pages that
keep the filters and the sort, and the export link without the page or the sort."""

import pytest

from collection.services import person_create
from collection.tests.factories import GRID, numbered_id
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_people_sort_pages_and_export_link(client, worker):
    grid = Area.objects.get(code=GRID)
    for i, name in enumerate(["丙", "甲", "乙"] * 12):
        person_create(actor=worker, grid=grid, name=f"{name}{i:02d}", id_number=numbered_id(i))
    client.force_login(worker)
    by_name = client.get("/collection/people/?sort=name").context["page"].object_list
    names = [p.name for p in by_name]
    assert names == sorted(names)
    reverse = client.get("/collection/people/?sort=-name").context["page"].object_list
    assert [p.name for p in reverse] == sorted((p.name for p in reverse), reverse=True)
    html = client.get("/collection/people/?kind=registered&sort=name").content.decode()
    assert "kind=registered&amp;sort=name&amp;page=2" in html  # the pager keeps both
    assert 'href="/api/v1/people/export/?kind=registered"' in html  # export: the filters only
    # Not a sort key: ignored, the selector's order stands.
    assert client.get("/collection/people/?sort=id_number").status_code == 200
