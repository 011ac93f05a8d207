"""governance/compiled.py: a queryset compiled once, run with other values, gives what the
queryset built with those values gives (the duties of 我的网格 and its counts use it)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.models import Person
from collection.services import person_create
from collection.tests.factories import GRID, numbered_id
from governance.compiled import CompiledQuery
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db

SAMPLE_PATH = "\x1fsample"
SAMPLE_TIME = datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC)


def _people(path, since):
    return Person.objects.filter(area_path=path, created_at__gte=since).order_by("name")


def test_runs_the_compiled_sql_with_each_call_values(make_user):
    grid = Area.objects.get(code=GRID)
    other = Area.objects.filter(level=6, parent=grid.parent).exclude(pk=grid.pk).first()
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "cq_county")
    person_create(actor=county, grid=grid, name="甲", id_number=numbered_id(1), phone="13800000001")
    person_create(actor=county, grid=other, name="乙", id_number=numbered_id(2))
    query = CompiledQuery(
        lambda path, since: _people(path, since).values("name", "phone"),
        path=SAMPLE_PATH,
        since=SAMPLE_TIME,
    )
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    for area in (grid, other):
        expected = list(_people(area.path, long_ago).values("name", "phone"))
        with CaptureQueriesContext(connection) as queries:
            assert query.rows(path=area.path, since=long_ago) == expected
        assert len(queries) == 1
    # The encrypted phone comes back decrypted, as the ORM gives it.
    assert query.rows(path=grid.path, since=long_ago)[0]["phone"] == "13800000001"
    future = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)
    assert query.rows(path=grid.path, since=future) == []


def test_refuses_samples_that_are_not_parameters_or_coincide():
    unused = CompiledQuery(lambda path, since: _people(path, SAMPLE_TIME), path="x", since=None)
    with pytest.raises(ImproperlyConfigured):
        unused.rows(path="y", since=None)
    same = CompiledQuery(
        lambda path, other: Person.objects.filter(area_path=path, name=other),
        path="x",
        other="x",
    )
    with pytest.raises(ImproperlyConfigured):
        same.rows(path="a", other="b")
    with pytest.raises(TypeError):
        same.rows(path="a")


def test_column_names_are_read_once_per_statement(make_user, monkeypatch):
    """The result's column names are fixed by the SQL: taken from psycopg's description
    (which builds an object per column each time) only the first time."""
    from psycopg import Cursor

    from governance import compiled

    reads = []
    original = Cursor.description

    def counted(cursor):
        reads.append(1)
        return original.fget(cursor)

    monkeypatch.setattr(Cursor, "description", property(counted))
    compiled._NAMES.clear()
    query = CompiledQuery(
        lambda path, since: _people(path, since).values("name", "phone"),
        path=SAMPLE_PATH,
        since=SAMPLE_TIME,
    )
    grid = Area.objects.get(code=GRID)
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "cq_names")
    person_create(actor=county, grid=grid, name="丙", id_number=numbered_id(3), phone="13800000003")
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    first = query.rows(path=grid.path, since=long_ago)
    before = len(reads)
    assert before >= 1  # the first run read it
    assert (
        query.rows(path=grid.path, since=long_ago)
        == first
        == [{"name": "丙", "phone": "13800000003"}]
    )
    assert len(reads) == before  # the second run read no description


def test_area_roots_and_my_grids_follow_the_users_roles(make_user):
    """Kept per set of codes / grids: another role gives another statement at once."""
    from collection.views.common import my_grids
    from governance.services import role_assign
    from grids.models import Area
    from grids.selectors import area_roots

    user = make_user(Role.GRID_WORKER, "220102001001001", "cr_roots")
    assert [a.code for a in area_roots(user=user)] == ["220102001001001"]
    assert [a.code for a in my_grids(user)] == ["220102001001001"]
    other = Area.objects.filter(level=6).exclude(code="220102001001001").order_by("code").first()
    role_assign(actor=None, user=user, role=Role.GRID_WORKER, area=other)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user.pk)  # a new request's user
    assert sorted(a.code for a in area_roots(user=user)) == sorted(["220102001001001", other.code])
    assert sorted(a.code for a in my_grids(user)) == sorted(["220102001001001", other.code])
