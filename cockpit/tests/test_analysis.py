"""多维研判: the pivot (rollup and raw paths) against hand-computed fixtures, scoping, bad
input, the XLSX export read back, workload and comparison, and query counts."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cockpit.analysis.pivot import PivotQuery, _counts_raw, _counts_rollup, analysis_period
from events.models import Event, EventCategory, Source, Status, Trace
from events.services import event_report, event_transition
from governance.figures import figures_differences, figures_reconcile
from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area

NANGUAN, KUANCHENG, CITY = "220102000000", "220103000000", "220100000000"
TZ = ZoneInfo("Asia/Shanghai")
SPRING = "from=2025-03-01&to=2025-04-30"

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 8) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def _grid_of(township: Area) -> Area:
    return Area.objects.filter(level=6, path__startswith=township.path).order_by("code").first()


def _report(actor, grid, category, title="楼道堆物"):
    return event_report(
        actor=actor,
        title=title,
        category=category,
        lng=grid.centroid.x,
        lat=grid.centroid.y,
        description="测试",
    )


@pytest.fixture
def world(make_user):
    """Two townships of 南关区 (t1, t2) and a grid of 宽城区, cases on fixed days:

    | case | grid | category | source   | reported    | note                          |
    |------|------|----------|----------|-------------|-------------------------------|
    | e1   | t1   | A        | grid     | 2025-03-05  | closed on time, reopened once |
    | e2   | t1   | B        | hotline  | 2025-03-20  | closed late                   |
    | e3   | t2   | A        | grid     | 2025-04-02  |                               |
    | e4   | t2   | A        | grid     | 2025-04-10  | merged into e3: not counted   |
    | e5   | kc   | A        | grid     | 2025-03-05  | the neighbour's               |
    | e6   | t2   | A        | grid     | 2024-04-15  | a year earlier                |
    """
    ng = Area.objects.get(code=NANGUAN)
    t1, t2 = Area.objects.filter(parent=ng).order_by("code")[:2]
    g1, g2 = _grid_of(t1), _grid_of(t2)
    kc_grid = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    cat_a = EventCategory.objects.get(code="0101")
    cat_b = EventCategory.objects.get(code="0102")
    u = {
        "ng": make_user(Role.COUNTY_DISPATCHER, NANGUAN, "an_ng"),
        "kc": make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "an_kc"),
        "city": make_user(Role.CITY_LEADER, CITY, "an_city"),
        "w1": make_user(Role.GRID_WORKER, g1.code, "an_w1"),
        "v1": make_user(Role.VILLAGE_STAFF, g1.parent.code, "an_v1"),
        "w2": make_user(Role.GRID_WORKER, g2.code, "an_w2"),
        "wk": make_user(Role.GRID_WORKER, kc_grid.code, "an_wk"),
    }
    e = {
        "e1": _report(u["w1"], g1, cat_a),
        "e2": _report(u["w1"], g1, cat_b),
        "e3": _report(u["w2"], g2, cat_a),
        "e4": _report(u["w2"], g2, cat_a),
        "e5": _report(u["wk"], kc_grid, cat_a),
        "e6": _report(u["w2"], g2, cat_a),
    }
    # e1: accepted, handled, closed, reopened by the grid worker's check, closed again.
    for actor, action in [
        ("v1", "accept"),
        ("v1", "handle"),
        ("v1", "close"),
        ("w1", "reopen"),
        ("v1", "close"),
    ]:
        e["e1"] = event_transition(actor=u[actor], event=e["e1"], action=action, note="完毕")
    for action in ("accept", "handle", "close"):
        e["e2"] = event_transition(actor=u["v1"], event=e["e2"], action=action, note="完毕")
    # The days and hours of the fixture (written past the services, as a bulk fix would be:
    # the nightly reconciliation re-derives the rollups from the raw rows).
    days = {"e1": "2025-03-05", "e2": "2025-03-20", "e3": "2025-04-02"}
    days |= {"e4": "2025-04-10", "e5": "2025-03-05", "e6": "2024-04-15"}
    for key, day in days.items():
        Event.objects.filter(pk=e[key].pk).update(reported_at=at(day))
    Event.objects.filter(pk=e["e2"].pk).update(source=Source.HOTLINE)
    Event.objects.filter(pk=e["e4"].pk).update(status=Status.MERGED, merged_into=e["e3"])
    # e1: accepted after 2 h, closed after 24 h, deadline after 48 h (on time).
    Event.objects.filter(pk=e["e1"].pk).update(
        closed_at=at("2025-03-06"), deadline=at("2025-03-07")
    )
    Trace.objects.filter(event=e["e1"], action="accept").update(at=at("2025-03-05", 10))
    # e2: accepted after 4 h, closed after 72 h, deadline after 48 h (late).
    Event.objects.filter(pk=e["e2"].pk).update(
        closed_at=at("2025-03-23"), deadline=at("2025-03-22")
    )
    Trace.objects.filter(event=e["e2"], action="accept").update(at=at("2025-03-20", 12))
    figures_reconcile()
    assert figures_differences() == []
    return {"t1": t1, "t2": t2, "cat_a": cat_a, "cat_b": cat_b, **u, **e}


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _pivot(client, user, query):
    r = _get(client, user, f"/api/v1/analysis/events/?{query}")
    assert r.status_code == 200, r.content
    return r.json()


def _table(body) -> dict:
    return {r["key"]: (r["counts"] if body["col_dimension"] else r["total"]) for r in body["rows"]}


def test_child_by_month(client, world):
    """A county's townships keep no day cells (governance/figures.py: DAY_DEPTH): counted
    from the cases; a city's counties from the rollups — the same numbers."""
    t1, t2 = world["t1"].code, world["t2"].code
    city = _pivot(client, world["city"], f"area={CITY}&rows=child&cols=month&{SPRING}")
    assert city["source"] == "rollup"
    assert _table(city)[NANGUAN] == {"2025-03": 2, "2025-04": 1}
    body = _pivot(client, world["ng"], f"area={NANGUAN}&rows=child&cols=month&{SPRING}")
    assert body["source"] == "raw"
    assert [c["key"] for c in body["columns"]] == ["2025-03", "2025-04"]
    table = _table(body)
    assert table[t1] == {"2025-03": 2, "2025-04": 0}
    assert table[t2] == {"2025-03": 0, "2025-04": 1}  # e4 merged: not counted
    # Every township is a row (zeros shown), names from the register.
    assert len(body["rows"]) == Area.objects.filter(parent__code=NANGUAN).count()
    assert body["rows"][0]["name"] == world["t1"].name
    assert body["totals"] == {"2025-03": 2, "2025-04": 1}
    assert body["total"] == 3
    assert sum(r["total"] for r in body["rows"]) == 3


def test_child_by_category_subtracts_merged_cases(client, world):
    a, b = str(world["cat_a"].pk), str(world["cat_b"].pk)
    city = _pivot(client, world["city"], f"area={CITY}&rows=child&cols=category&{SPRING}")
    assert city["source"] == "rollup"
    assert _table(city)[NANGUAN] == {a: 2, b: 1}
    body = _pivot(client, world["ng"], f"area={NANGUAN}&rows=child&cols=category&{SPRING}")
    assert body["source"] == "raw"
    assert {c["key"]: c["name"] for c in body["columns"]} == {
        a: world["cat_a"].name,
        b: world["cat_b"].name,
    }
    table = _table(body)
    assert table[world["t1"].code] == {a: 1, b: 1}
    assert table[world["t2"].code] == {a: 1, b: 0}
    assert body["total"] == 3


def test_one_dimension_and_week(client, world):
    body = _pivot(client, world["ng"], f"area={NANGUAN}&rows=week&{SPRING}")
    assert body["col_dimension"] is None and body["columns"] == []
    table = _table(body)
    assert table["2025-W10"] == 1 and table["2025-W12"] == 1 and table["2025-W14"] == 1
    assert sum(table.values()) == 3 and len(table) == 10  # every week of the range
    quarters = _table(_pivot(client, world["ng"], f"area={NANGUAN}&rows=quarter&{SPRING}"))
    assert quarters == {"2025-Q1": 2, "2025-Q2": 1}


def test_two_attributes_from_the_raw_cases(client, world):
    a, b = str(world["cat_a"].pk), str(world["cat_b"].pk)
    body = _pivot(client, world["ng"], f"area={NANGUAN}&rows=category&cols=source&{SPRING}")
    assert body["source"] == "raw"
    assert [c["name"] for c in body["columns"]] == ["网格员上报", "12345热线"]
    assert _table(body) == {
        a: {"grid_worker": 2, "hotline_12345": 0},
        b: {"grid_worker": 0, "hotline_12345": 1},
    }
    assert body["totals"] == {"grid_worker": 2, "hotline_12345": 1}


@pytest.mark.parametrize(
    "rows,cols", [("child", "status"), ("child", "category"), ("month", "department")]
)
def test_rollup_and_raw_agree(world, rows, cols):
    """A pair both paths can answer: the rollups (with the merged correction) equal a
    GROUP BY over the cases."""
    q = PivotQuery(
        Area.objects.get(code=CITY),
        rows,
        cols,
        analysis_period(start="2024-01-01", end="2025-12-31"),
    )
    raw = _counts_raw(world["city"], q)
    assert raw and _counts_rollup(q) == raw


def test_scoping(client, world):
    kc = world["kc"]
    # Another county's area, and the city above both, are 404 for a county user.
    assert _get(client, kc, f"/api/v1/analysis/events/?area={NANGUAN}").status_code == 404
    assert _get(client, kc, f"/api/v1/analysis/events/?area={CITY}").status_code == 404
    # Their own county holds only their case.
    own = _pivot(client, kc, f"area={KUANCHENG}&rows=category&cols=source&{SPRING}")
    assert own["total"] == 1
    assert _pivot(client, kc, f"rows=month&{SPRING}")["total"] == 1  # default: their county
    # The city leader sees both counties, each with its own cases.
    city = _table(_pivot(client, world["city"], f"area={CITY}&rows=child&{SPRING}"))
    assert city[NANGUAN] == 3 and city[KUANCHENG] == 1


def test_department_user_sees_only_its_cases(client, world, make_user):
    dept = department_create(
        actor=None, code="AN_D", name="南关区城管局", area=Area.objects.get(code=NANGUAN)
    )
    Event.objects.filter(pk=world["e3"].pk).update(departments=[dept.pk], current_department=dept)
    figures_reconcile()
    user = make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "an_dept", department=dept)
    body = _pivot(client, user, f"area={NANGUAN}&rows=child&cols=department&{SPRING}")
    assert body["source"] == "raw"
    assert body["total"] == 1
    assert _table(body)[world["t2"].code] == {str(dept.pk): 1}
    assert body["columns"] == [{"key": str(dept.pk), "name": "南关区城管局"}]
    # Everyone else sees the department's case among the others, "" as 未分派.
    ng = _pivot(client, world["ng"], f"area={NANGUAN}&rows=department&{SPRING}")
    assert {r["name"]: r["total"] for r in ng["rows"]} == {"南关区城管局": 1, "未分派": 2}


BAD = [
    ("area=abc", 400, "invalid_area"),
    ("area=999999000000", 404, None),
    (f"area={KUANCHENG}", 404, None),  # outside the jurisdiction
    (f"area={CITY}", 404, None),  # an ancestor: its total would hold a neighbour
    ("from=2025-05-01&to=2025-04-01", 400, "invalid_period"),
    ("from=2015-01-01&to=2025-01-01", 400, "invalid_period"),
    ("from=2025-13-01", 400, "invalid_date"),
    ("from=20250101", 400, "invalid_date"),
    ("to=yesterday", 400, "invalid_date"),
    ("rows=street", 400, "invalid_dimension"),
    ("rows=child&cols=colour", 400, "invalid_dimension"),
    ("rows=child&cols=child", 400, "invalid_dimension"),
    ("measure=money", 400, "invalid_measure"),
    ("rows=day&from=2023-01-01&to=2025-01-01", 400, "invalid_period"),
]


@pytest.mark.parametrize("query,status,code", BAD)
def test_bad_input(client, world, query, status, code):
    r = _get(client, world["ng"], f"/api/v1/analysis/events/?{query}")
    assert r.status_code == status, r.content
    body = r.json()
    assert body["detail"]
    if code:
        assert body["code"] == code
    if "street" in query:
        assert "child" in body["detail"] and "category" in body["detail"]
    # The page and the export refuse the same input the same way.
    page = _get(client, world["ng"], f"/analysis/?{query}")
    assert page.status_code == status
    assert _get(client, world["ng"], f"/analysis/export.xlsx?{query}").status_code == status


@pytest.mark.parametrize(
    "url,code",
    [
        ("workload/?by=team", "invalid_dimension"),
        ("workload/?from=2025-02-30", "invalid_date"),
        ("compare/?period=week", "invalid_period"),
        ("compare/?at=2025-13", "invalid_period"),
        ("compare/?at=next", "invalid_period"),
        ("compare/?by=status", "invalid_dimension"),
    ],
)
def test_bad_input_workload_compare(client, world, url, code):
    r = _get(client, world["ng"], f"/api/v1/analysis/{url}")
    assert r.status_code == 400 and r.json()["code"] == code


def test_xlsx_export_equals_the_api(client, world):
    query = f"area={NANGUAN}&rows=child&cols=month&{SPRING}"
    api = _pivot(client, world["ng"], query)
    r = _get(client, world["ng"], f"/analysis/export.xlsx?{query}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert "南关区" in rows[0][0] and "2025-03-01" in rows[0][0]
    assert rows[1] == ("下级区域 \\ 月", "2025-03", "2025-04", "合计")
    body = rows[2:-1]
    assert [r[0] for r in body] == [r["name"] for r in api["rows"]]
    for line, row in zip(body, api["rows"], strict=True):
        assert list(line[1:]) == [row["counts"]["2025-03"], row["counts"]["2025-04"], row["total"]]
        assert all(isinstance(v, int) for v in line[1:])  # numbers, not text
    assert rows[-1] == ("合计", 2, 1, 3)
    entry = AuditLog.objects.filter(action="analysis.export").latest("id")
    assert entry.actor == world["ng"] and entry.changes["total"] == [None, 3]
    # Another county's area: no file, no audit row.
    before = AuditLog.objects.filter(action="analysis.export").count()
    assert _get(client, world["kc"], f"/analysis/export.xlsx?{query}").status_code == 404
    assert AuditLog.objects.filter(action="analysis.export").count() == before


def test_workload_by_unit_and_person(client, world):
    url = f"/api/v1/analysis/workload/?area={NANGUAN}&{SPRING}"
    r = _get(client, world["ng"], url + "&by=unit")
    assert r.status_code == 200, r.content
    body = r.json()
    village = world["v1"].role_assignments.get().area
    assert [row["name"] for row in body["rows"]] == [village.name]
    row = body["rows"][0]
    assert row["handled"] == 2 and row["on_time"] == 1 and row["on_time_rate"] == 50.0
    assert row["mean_accept_hours"] == 3.0  # (2 + 4) / 2
    assert row["mean_close_hours"] == 48.0  # (24 + 72) / 2
    assert row["reopens"] == 1 and row["closes"] == 3 and row["reopen_rate"] == 33.3
    assert body["total"]["handled"] == 2
    person = _get(client, world["ng"], url + "&by=person").json()
    assert [(p["name"], p["handled"]) for p in person["rows"]] == [("an_v1", 2)]
    # A handler the viewer may not see (another county's worker) is no named row.
    Event.objects.filter(pk=world["e2"].pk).update(handler=world["wk"])
    person = _get(client, world["ng"], url + "&by=person").json()
    assert {p["name"]: p["handled"] for p in person["rows"]} == {"an_v1": 1, "其他人员": 1}
    assert "an_wk" not in str(person)
    # The neighbour county: 404 for the area, nothing of it in their own.
    assert _get(client, world["kc"], url).status_code == 404
    own = _get(client, world["kc"], f"/api/v1/analysis/workload/?{SPRING}").json()
    assert own["rows"] == [] and own["total"]["handled"] == 0


def test_compare_month(client, world):
    t1, t2 = world["t1"].code, world["t2"].code
    r = _get(
        client, world["ng"], f"/api/v1/analysis/compare/?area={NANGUAN}&period=month&at=2025-04"
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["current"] == {"from": "2025-04-01", "to": "2025-04-30"}
    assert body["previous"] == {"from": "2025-03-01", "to": "2025-03-31"}
    assert body["last_year"] == {"from": "2024-04-01", "to": "2024-04-30"}
    rows = {row["key"]: row for row in body["rows"]}
    assert (rows[t1]["current"], rows[t1]["previous"], rows[t1]["last_year"]) == (0, 2, 0)
    assert rows[t1]["mom_pct"] == -100.0 and rows[t1]["yoy_pct"] is None
    assert (rows[t2]["current"], rows[t2]["previous"], rows[t2]["last_year"]) == (1, 0, 1)
    assert rows[t2]["mom_pct"] is None and rows[t2]["yoy_pct"] == 0.0
    total = body["total"]
    assert (total["current"], total["previous"], total["last_year"]) == (1, 2, 1)
    assert total["mom_pct"] == -50.0 and total["yoy_pct"] == 0.0
    quarter = _get(
        client, world["ng"], f"/api/v1/analysis/compare/?area={NANGUAN}&period=quarter&at=2025-05"
    ).json()
    assert quarter["current"]["from"] == "2025-04-01" and quarter["previous"]["to"] == "2025-03-31"
    assert quarter["total"]["current"] == 1 and quarter["total"]["previous"] == 2
    by_cat = _get(
        client, world["ng"], f"/api/v1/analysis/compare/?area={NANGUAN}&at=2025-03&by=category"
    ).json()
    assert {row["name"]: row["current"] for row in by_cat["rows"]} == {
        world["cat_a"].name: 1,
        world["cat_b"].name: 1,
    }
    # The neighbour's area is 404; their own compare holds only their case.
    kc_url = f"/api/v1/analysis/compare/?area={NANGUAN}&at=2025-03"
    assert _get(client, world["kc"], kc_url).status_code == 404
    own = _get(client, world["kc"], "/api/v1/analysis/compare/?at=2025-03").json()
    assert own["total"]["current"] == 1


def test_page(client, world):
    r = _get(client, world["ng"], f"/analysis/?area={NANGUAN}&rows=child&cols=status&{SPRING}")
    assert r.status_code == 200
    html = r.content.decode()
    assert "多维研判" in html and "js/analysis.js" in html
    assert 'value="2025-03-01"' in html and "<script>" not in html
    assert _get(client, world["kc"], f"/analysis/?area={NANGUAN}").status_code == 404
    menu = _get(client, world["ng"], "/cockpit/").content.decode()
    assert "/analysis/" in menu


def test_query_count_rollup_path(client, world):
    """The rollup path reads the rollups once and never the cases (child × month)."""
    client.force_login(world["city"])
    url = f"/api/v1/analysis/events/?area={CITY}&rows=child&cols=month&{SPRING}"
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum("governance_figurecount" in s for s in sqls) == 1, sqls
    cases = f'"{Event._meta.db_table}"'
    assert not any(cases in s for s in sqls)
    # As many as the cockpit summary's (the area, the rollups, the children's names).
    client.get(f"/api/v1/cockpit/summary/?area={CITY}")
    with CaptureQueriesContext(connection) as summary:
        client.get(f"/api/v1/cockpit/summary/?area={CITY}")
    assert len(sqls) <= len(summary.captured_queries), sqls
    # The raw path: one GROUP BY over the cases.
    raw_url = f"/api/v1/analysis/events/?area={CITY}&rows=category&cols=source&{SPRING}"
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(raw_url).status_code == 200
    assert sum(cases in q["sql"] for q in ctx.captured_queries) == 1


def test_default_period_is_the_last_30_days(client, world):
    from django.utils import timezone

    body = _pivot(client, world["ng"], f"area={NANGUAN}&rows=day")
    today = timezone.localdate()
    assert body["to"] == today.isoformat()
    assert body["from"] == (today - timedelta(days=29)).isoformat()
    assert len(body["rows"]) == 30
