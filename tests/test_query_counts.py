"""Query counts of the pages the load test hits most (bench/load, docs/performance.md
"Load"), locked: the 待办 inbox, the grid worker's 我的网格 and report form, the cockpit
summary. Each is counted with a few rows and again with many more: a page whose count
grows with its rows has an N+1. The ceilings are today's counts; a change that raises
one must say why.

Every count includes what every logged-in request costs: the session, the user with
their roles and the bell's count (one statement: governance/auth.py), their shared
objects (one statement for all kinds) — and no session write
(governance/tests/test_sessions.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.services import person_create
from collection.tests.factories import numbered_id
from events.models import Event, EventCategory
from events.services import event_report
from governance.roles import Role
from grids.models import Area

NANGUAN = "220102000000"
CITY = "220100000000"

# The page's box is counted once, with the tabs (no second COUNT for the pager).
INBOX_MAX = 5
MY_GRID_MAX = 13
SUMMARY_MAX = 10
# Session, user with roles and bell, the worker's grid, its neighbours' outlines, the
# categories: no guardian statement (the grid is the worker's own), no ORM check of it.
REPORT_FORM_MAX = 5
# An action through the API (accept): session, user with roles, shared objects, the case;
# the transition (lock, rollups, update, trace, audit, outbox message); the tests' eager
# outbox drain (its subscribers: webhooks, risk re-evaluation); the answer (the case and
# its trail, four statements). 39 when the trail was also read before the transition,
# 35 when the roles were read apart from the user.
ACTION_MAX = 34


def _count(client, url) -> tuple[int, list[str]]:
    client.get(url)  # the first request after a login refreshes the session
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.content[:300]
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def _grid():
    return Area.objects.filter(level=6, code__startswith=NANGUAN[:6]).order_by("code").first()


def _report(worker, grid, n):
    category = EventCategory.objects.get(code="0601")  # accepted by the county
    for i in range(n):
        event_report(actor=worker, title=f"占道经营{i}", category=category, grid=grid)


def _session_writes(sqls):
    return [s for s in sqls if "django_session" in s and s.lstrip().upper().startswith("UPDATE")]


@pytest.mark.django_db
def test_dispatcher_inbox(client, make_user):
    grid = _grid()
    worker = make_user(Role.GRID_WORKER, grid.code)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    _report(worker, grid, 2)
    client.force_login(dispatcher)
    few, sqls = _count(client, "/events/?box=todo")
    _report(worker, grid, 15)
    many, _ = _count(client, "/events/?box=todo")
    assert few == many <= INBOX_MAX, sqls
    assert _session_writes(sqls) == []
    assert not any(s.startswith('SELECT COUNT(*) AS "__count"') for s in sqls), sqls
    # The rows load the columns the page shows (events/views.py INBOX_PAGE_COLUMNS).
    (rows,) = [s for s in sqls if s.startswith('SELECT "events_event"."id"') and "LIMIT" in s]
    assert '"events_event"."description"' not in rows and '"events_event"."result"' not in rows
    # The user's units and departments are read once per request, not once per box, and
    # in the user's own statement.
    (roles,) = [s for s in sqls if "governance_roleassignment" in s]
    assert 'FROM "governance_user"' in roles, roles


@pytest.mark.django_db
def test_grid_worker_inbox_and_my_grid(client, make_user):
    grid = _grid()
    worker = make_user(Role.GRID_WORKER, grid.code)
    _report(worker, grid, 1)
    person_create(actor=worker, grid=grid, name="甲0", id_number=numbered_id(0), kind="registered")
    client.force_login(worker)
    inbox_few, _ = _count(client, "/events/?box=todo")
    grid_few, sqls = _count(client, "/collection/")
    _report(worker, grid, 8)
    for i in range(1, 12):
        person_create(
            actor=worker, grid=grid, name=f"甲{i}", id_number=numbered_id(i), kind="registered"
        )
    inbox_many, _ = _count(client, "/events/?box=todo")
    grid_many, _ = _count(client, "/collection/")
    assert inbox_few == inbox_many <= INBOX_MAX
    assert grid_few == grid_many <= MY_GRID_MAX, sqls
    # Objects shared one by one (guardian): one statement for every kind on the page.
    assert sum("guardian_userobjectpermission" in s for s in sqls) == 1, sqls


@pytest.mark.django_db
def test_report_form(client, make_user):
    grid = _grid()
    worker = make_user(Role.GRID_WORKER, grid.code)
    client.force_login(worker)
    few, sqls = _count(client, "/events/report/")
    _report(worker, grid, 5)
    many, _ = _count(client, "/events/report/")
    assert few == many <= REPORT_FORM_MAX, sqls
    assert not any("guardian_" in s for s in sqls), sqls


@pytest.mark.django_db
def test_cockpit_summary(client, make_user):
    grid = _grid()
    worker = make_user(Role.GRID_WORKER, grid.code)
    leader = make_user(Role.CITY_LEADER, CITY)
    _report(worker, grid, 1)
    client.force_login(leader)
    url = f"/api/v1/cockpit/summary/?area={CITY}"
    few, sqls = _count(client, url)
    _report(worker, grid, 10)
    many, _ = _count(client, url)
    assert few == many <= SUMMARY_MAX, sqls
    assert _session_writes(sqls) == []


@pytest.mark.django_db
def test_an_action_through_the_api_reads_the_trail_once(client, make_user):
    """A write hands its case to the service, which locks and reads it again: the trail
    (trace, files, supervision cards) is read once, for the answer, not also before."""
    grid = _grid()
    worker = make_user(Role.GRID_WORKER, grid.code)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    _report(worker, grid, 1)
    number = Event.objects.latest("pk").number
    client.force_login(dispatcher)
    client.get("/api/v1/events/")  # the first request after a login refreshes the session
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(
            f"/api/v1/events/{number}/actions/accept/",
            {"note": ""},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content[:300]
    assert r.json()["status"] == "accepted" and r.json()["traces"]
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "events_trace"' in s for s in sqls) == 1
    assert sum('FROM "events_supervisioncard"' in s for s in sqls) == 1
    assert len(sqls) <= ACTION_MAX, len(sqls)


@pytest.mark.django_db
def test_the_inbox_page_is_read_in_order_from_an_index(make_user):
    """The 待办 page of a county: ORDER BY 本环节时限, newest first, LIMIT 20 — read from
    `event_list_order` in that order, with no sort of every open case above it."""
    from events.selectors import inbox
    from events.views import INBOX_PAGE_COLUMNS

    grid = _grid()
    worker = make_user(Role.GRID_WORKER, grid.code)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    _report(worker, grid, 30)
    qs = inbox(user=dispatcher, box="todo").only(*INBOX_PAGE_COLUMNS)[:20]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("ANALYZE events_event")
        # A test's few rows are sorted cheaper than read in order; with sorting priced
        # out, the plan still sorts unless an index gives this order.
        cur.execute("SET LOCAL enable_sort = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "event_list_order" in plan, plan
    assert "Sort" not in plan, plan
