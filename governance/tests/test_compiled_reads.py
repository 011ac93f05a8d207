"""The session and user reads of every request, compiled once per process
(governance/session_store.py, governance/auth.py): an expired session is no session, a
deactivated or unknown user is no user — as Django's own backends. And the statements
kept per key (StatementMemo.objects) or per length of their IN lists (run_listed:
area_roots, my_grids, the task items): the ORM's own instances."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone

from governance.auth import LockoutModelBackend
from governance.roles import Role
from governance.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_session_read_and_expiry(client, make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "cr_worker")
    client.force_login(user)
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()["_auth_user_id"] == str(user.pk)
    assert client.get("/collection/").status_code == 200
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert client.get("/collection/").status_code == 302  # to the login page
    assert SessionStore(None).load() == {}
    assert SessionStore("no-such-key-000000000000000000000").load() == {}


def test_user_read(make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "cr_user")
    backend = LockoutModelBackend()
    got = backend.get_user(user.pk)
    assert got == user and got.username == "cr_user" and got.password == user.password
    assert got._state.adding is False and got._state.db == "default"
    assert backend.get_user(str(user.pk)) == user
    assert backend.get_user(user.pk + 10_000) is None
    assert backend.get_user("not-a-number") is None
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_the_user_comes_with_their_role_rows_as_the_roles_statement_gives_them(make_user):
    """The role rows read in the user's statement are the rows `user_role_rows` reads on
    its own: same values, types and order — a department, several roles, none."""
    from governance.models import Department
    from governance.scoping import user_role_rows
    from governance.services import role_assign
    from grids.models import Area

    county = Area.objects.get(code="220102000000")
    department = Department.objects.create(code="CRD1", name="城管局", area=county)
    user = make_user(Role.GRID_WORKER, "220102001001001", "cr_roles")
    role_assign(
        actor=None, user=user, role=Role.DEPARTMENT_HANDLER, area=county, department=department
    )
    role_assign(actor=None, user=user, role=Role.AUDITOR, area=county)
    backend = LockoutModelBackend()
    got = backend.get_user(user.pk)
    kept = got.__dict__["_role_rows"]
    fresh = get_user_model().objects.get(pk=user.pk)
    assert kept == user_role_rows(fresh) and len(kept) == 3
    assert [type(v) for v in kept[1]] == [str, int, str, int]
    assert kept[0][3] is None
    nobody = make_user(Role.GRID_WORKER, "220102001001001", "cr_none")
    nobody.role_assignments.all().delete()
    assert backend.get_user(nobody.pk).__dict__["_role_rows"] == []


def test_statement_memo_objects_are_the_querysets_own_instances():
    """StatementMemo.objects gives what iterating the queryset gives: the same rows in
    the same order, the same values (a geometry converted), the same deferred fields,
    instances that know their database — compiled once per key, run on every call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.compiled import StatementMemo
    from grids.models import Area

    memo = StatementMemo()
    codes = ("220102000000", "220100000000", "220102001001001")

    def build():
        return (
            Area.objects.filter(code__in=codes)
            .defer("boundary", "boundary_simple")
            .order_by("level", "code")
        )

    expected = list(build())
    got = memo.objects(codes, build, Area)
    assert [a.pk for a in got] == [a.pk for a in expected] and len(got) == 3
    for a, b in zip(got, expected, strict=True):
        assert a.get_deferred_fields() == b.get_deferred_fields() == {"boundary", "boundary_simple"}
        for f in Area._meta.concrete_fields:
            if f.attname not in a.get_deferred_fields():
                assert getattr(a, f.attname) == getattr(b, f.attname), f.attname
        assert a.centroid.equals(b.centroid)
        assert a._state.db == "default" and a._state.adding is False
    with CaptureQueriesContext(connection) as q:
        again = memo.objects(codes, build, Area)
    assert len(q.captured_queries) == 1 and [a.pk for a in again] == [a.pk for a in got]
    assert again[0] is not got[0]  # new instances every time: a caller may change them
    # An empty `__in` matches nothing without a statement, as the ORM does it.
    with CaptureQueriesContext(connection) as q:
        assert memo.objects((), lambda: Area.objects.filter(code__in=()), Area) == []
        assert memo.rows((), lambda: Area.objects.filter(code__in=()).values("id"), Area) == []
    assert q.captured_queries == []


def test_run_listed_keeps_one_statement_per_length_of_its_lists():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.compiled import CompiledQueries, run_listed
    from grids.models import Area

    queries = CompiledQueries()

    def build(codes, ids):
        return (
            Area.objects.filter(code__in=codes)
            .exclude(id__in=ids)
            .defer("boundary", "boundary_simple")
            .order_by("level", "code")
        )

    first = ["220102000000", "220100000000", "220102001001001"]
    second = ["220103000000", "220000000000", "220102001001002"]
    city = Area.objects.get(code="220100000000")
    for codes in (first, second, first[:2]):
        expected = list(build(codes, [city.pk]))
        got = run_listed(queries, "k", build, codes=codes, ids=[city.pk])
        assert [a.pk for a in got] == [a.pk for a in expected]
        assert [a.get_deferred_fields() for a in got] == [a.get_deferred_fields() for a in expected]
    assert len(queries._kept) == 2  # lengths (3, 1) and (2, 1)
    assert "220100000000" not in [a.code for a in run_listed(queries, "k", build, codes=first,
                                                               ids=[city.pk])]  # fmt: skip
    with CaptureQueriesContext(connection) as q:
        rows = run_listed(queries, "v", lambda ids: Area.objects.filter(id__in=ids).values("code"),
                          rows=True, ids=[city.pk])  # fmt: skip
    assert rows == [{"code": "220100000000"}] and len(q.captured_queries) == 1


@pytest.mark.parametrize(
    "build",
    [
        lambda: __import__("grids.models").models.Area.objects.select_related("parent"),
        lambda: __import__("grids.models").models.Area.objects.annotate(n=models.Count("id")),
        lambda: __import__("grids.models").models.Area.objects.values("id"),
        lambda: __import__("grids.models").models.Area.objects.extra(select={"x": "1"}),
    ],
    ids=["select_related", "annotate", "values", "extra"],
)
def test_statement_memo_objects_refuses_columns_that_are_not_the_models_own(build):
    from django.core.exceptions import ImproperlyConfigured

    from governance.compiled import StatementMemo
    from grids.models import Area

    with pytest.raises(ImproperlyConfigured):
        StatementMemo().objects("k", build, Area)


def _department_query():
    from django.db.models import Value
    from django.db.models.functions import Concat

    from governance.compiled import CompiledQuery
    from governance.models import Department
    from grids.models import outlines_of

    return CompiledQuery(
        lambda code: (
            Department.objects.select_related("area__parent")
            .defer(*outlines_of("area", "area__parent"), "name")
            .annotate(label=Concat("code", Value("·"), "area__name"))
            .filter(area__code=code)
            .order_by("code")
        ),
        code="\x1fsample code",
    )


def test_compiled_query_objects_are_the_querysets_own_instances():
    """CompiledQuery.objects: the instances iterating the queryset gives — the model's
    columns (deferred ones deferred), the select_related objects attached (their own
    deferred columns too), annotations set."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from governance.models import Department
    from governance.services import department_create
    from grids.models import Area, outlines_of

    county = Area.objects.get(code="220102000000")
    for code, name in (("CQO-2", "城管局"), ("CQO-1", "市场监管局")):
        department_create(actor=None, code=code, name=name, area=county)
    query = _department_query()
    expected = list(
        Department.objects.select_related("area__parent")
        .defer(*outlines_of("area", "area__parent"), "name")
        .annotate(label=Concat("code", Value("·"), "area__name"))
        .filter(area__code="220102000000")
        .order_by("code")
    )
    for _ in range(2):  # compiled, then kept
        got = query.objects(code="220102000000")
        assert [d.code for d in got] == [d.code for d in expected] == ["CQO-1", "CQO-2"]
        for g, e in zip(got, expected, strict=True):
            assert (g.pk, g.code, g.area_id, g.label) == (e.pk, e.code, e.area_id, e.label)
            assert g.label == f"{g.code}·南关区"
            assert g.get_deferred_fields() == e.get_deferred_fields() == {"name"}
            assert g._state.adding is False and g._state.db == "default"
            # The related objects came with the row: no statement to reach them.
            assert Department.area.is_cached(g) and Area.parent.is_cached(g.area)
            assert g.area == county and g.area.parent.code == "220100000000"
            assert g.area.get_deferred_fields() == {"boundary", "boundary_simple"}
            assert g.area.centroid == county.centroid  # converted, in this thread
    assert query.objects(code="220103000000") == []
    assert got[0].name == "市场监管局"  # a deferred field loads on access, as in the ORM


def test_compiled_query_objects_refuses_rows_that_are_not_instances():
    from django.core.exceptions import ImproperlyConfigured

    from governance.compiled import CompiledQuery
    from governance.models import Department

    query = CompiledQuery(
        lambda code: Department.objects.filter(code=code).values("code"), code="\x1fs"
    )
    assert query.rows(code="none") == []
    with pytest.raises(ImproperlyConfigured):
        query.objects(code="none")


def test_user_by_username_comes_with_their_role_rows(make_user):
    from governance.auth import user_by_username
    from governance.scoping import user_role_rows

    user = make_user(Role.COUNTY_DISPATCHER, "220102000000", "cr_by_name")
    got = user_by_username("cr_by_name")
    assert got == user and got.password == user.password and got._state.adding is False
    kept = got.__dict__["_role_rows"]  # read with the user: no statement of their own
    fresh = get_user_model().objects.get(pk=user.pk)
    assert kept == user_role_rows(fresh) and len(kept) == 1
    assert user_by_username("no-such-user") is None


def test_a_kept_page_picks_its_ids_before_it_joins():
    """page_then_join: the rows and order of the plain slice, the LIMIT inside the
    sub-select of ids (so a generic plan sorts the table's narrow rows and joins only the
    page), and a plain slice where dropping the outer filter could change the rows."""
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from governance.compiled import page_then_join
    from grids.models import Area, Level

    qs = (
        Area.objects.filter(level=Level.GRID, path__startswith="220000000000/220100000000/")
        .select_related("parent")
        .defer("boundary", "centroid", "parent__boundary", "parent__centroid")
        .order_by("-code")
    )
    for start, stop in ((0, 20), (20, 45), (10_000, 10_020)):
        with CaptureQueriesContext(connection) as ctx:
            page = list(page_then_join(qs, start, stop))
        assert [(a.pk, a.parent.name) for a in page] == [
            (a.pk, a.parent.name) for a in qs[start:stop]
        ]
        (sql,) = [q["sql"] for q in ctx.captured_queries]
        outer, inner = sql.split(" IN (SELECT ", 1)
        assert " LIMIT " in inner and " LIMIT " not in outer
        assert "level" not in outer.split(" WHERE ", 1)[1]  # the filter is the ids' alone
    # a reverse (multi-valued) join or DISTINCT: sliced as it is
    reverse = Area.objects.filter(children__level=Level.GRID).order_by("pk")
    assert str(page_then_join(reverse, 0, 5).query) == str(reverse[0:5].query)
    distinct = Area.objects.annotate(n=Count("children")).distinct().order_by("pk")
    assert str(page_then_join(distinct, 0, 5).query) == str(distinct[0:5].query)
    by_hand = Area.objects.extra(
        tables=["grids_area AS p"], where=['p.id = "grids_area"."parent_id"']
    ).order_by("pk")
    assert str(page_then_join(by_hand, 0, 5).query) == str(by_hand[0:5].query)
    union = Area.objects.filter(level=Level.CITY).union(Area.objects.filter(level=Level.COUNTY))
    assert [a.pk for a in page_then_join(union.order_by("code"), 0, 5)] == [
        a.pk for a in union.order_by("code")[0:5]
    ]
