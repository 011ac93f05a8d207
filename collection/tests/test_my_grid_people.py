"""我的网格's people list without a search comes from statements compiled once per
jurisdiction's shape (collection/views/my_grid.py): every grid worker shares them, their
grid a parameter, another grid's worker sees none of these people, pages and the count
follow new people at once, a search still goes through the ORM, and masking is applied."""

import pytest
from django.test import Client

from collection.services import person_create
from collection.tests.factories import GRID, numbered_id
from collection.views.my_grid import _PEOPLE
from governance.roles import Role

pytestmark = pytest.mark.django_db


def _page(user, **params) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/collection/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_people_list_is_kept_per_jurisdiction(make_user, worker, grid, second_grid):
    for n in range(25):  # two pages of 20
        person_create(
            actor=worker,
            grid=grid,
            name=f"居民{n:02d}",
            id_number=numbered_id(n),
            kind="registered",
        )
    colleague = make_user(Role.GRID_WORKER, GRID, "mgp_colleague")
    neighbour = make_user(Role.GRID_WORKER, second_grid.code, "mgp_neighbour")

    first = _page(worker)
    assert 'id="count-people">25<' in first
    assert "居民00" in first and "居民19" in first and "居民20" not in first
    assert numbered_id(0) not in first  # the ID number masked, as before
    second = _page(worker, page=2)
    assert "居民20" in second and "居民24" in second and "居民00" not in second

    kept = len(_PEOPLE._kept)
    assert _page(colleague).count("居民") == first.count("居民")  # the same statements
    assert len(_PEOPLE._kept) == kept

    # Another grid's worker: the same statements (their grid a parameter), none of
    # these people.
    assert "居民" not in _page(neighbour)
    assert len(_PEOPLE._kept) == kept

    # A new person shows at once (the statement is kept, not its rows).
    person_create(
        actor=worker, grid=grid, name="居民新", id_number=numbered_id(99), kind="registered"
    )
    assert 'id="count-people">26<' in _page(worker) and "居民新" in _page(worker, page=2)

    # A search goes through the ORM, inside the jurisdiction as ever (the search box
    # repeats the query once).
    found = _page(worker, q="居民07")
    assert found.count("居民07") == 2 and "居民08" not in found
    assert _page(neighbour, q="居民07").count("居民07") == 1
