"""The session and user reads of every request, compiled once per process
(governance/session_store.py, governance/auth.py): an expired session is no session, a
deactivated or unknown user is no user — as Django's own backends. And the statements
kept per key (StatementMemo.objects: area_roots, my_grids, the task items): the ORM's
own instances."""

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
