"""The cockpit's panel APIs against hand-computed cases: trend, breakdowns, timeliness,
satisfaction, rankings and the most overdue units; their scoping (another county, the
city above, a department handler) and bad input; each reads the rollups once and never
a raw table."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collection.models import Person
from collection.services import person_create
from collection.tests.factories import numbered_id
from events.models import Event, EventCategory
from events.services import event_report, event_transition, events_mark_due
from governance.roles import Role
from governance.services import department_create
from grids.models import Area

NANGUAN, KUANCHENG, CITY = "220102000000", "220103000000", "220100000000"
GRID, VILLAGE, TOWNSHIP = "220102001001001", "220102001001", "220102001000"
API = "/api/v1/cockpit/"
PANELS = [
    "trend/?days=7",
    "trend/?days=30",
    "breakdown/?by=status",
    "breakdown/?by=category",
    "breakdown/?by=source",
    "breakdown/?by=urgency",
    "timeliness/?",
    "satisfaction/?",
    "ranking/?of=children&by=on_time_rate",
    "ranking/?of=departments&by=overdue_rate",
    "overdue-units/?",
]

pytestmark = pytest.mark.django_db


def _report(actor, grid, code="0101"):
    return event_report(
        actor=actor,
        title="测试事件",
        category=EventCategory.objects.get(code=code),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
        description="测试",
    )


def _act(actor, event, action, **kw):
    return event_transition(actor=actor, event=event, action=action, note="处理完毕", **kw)


def _overdue(event):
    Event.objects.filter(pk=event.pk).update(step_deadline=timezone.now() - timedelta(hours=1))
    events_mark_due()


@pytest.fixture
def world(make_user):
    """Five cases in 南关区 (two closed by the village and rated 5 and 2, one closed late;
    one closed by 城管局; one open at 城管局 and overdue; one waiting at the village and
    overdue), one in 宽城区, two people in 南关区."""
    EventCategory.objects.filter(code="0601").update(evidence_required=False)
    county = Area.objects.get(code=NANGUAN)
    cgj = department_create(actor=None, code="P-CGJ", name="南关区城市管理局", area=county)
    scj = department_create(actor=None, code="P-SCJ", name="南关区市场监管局", area=county)
    grid = Area.objects.get(code=GRID)
    kc_grid = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    u = {
        "worker": make_user(Role.GRID_WORKER, GRID, "p_worker"),
        "village": make_user(Role.VILLAGE_STAFF, VILLAGE, "p_village"),
        "ng": make_user(Role.COUNTY_DISPATCHER, NANGUAN, "p_ng"),
        "kc": make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "p_kc"),
        "kc_worker": make_user(Role.GRID_WORKER, kc_grid.code, "p_kc_worker"),
        "city": make_user(Role.CITY_LEADER, CITY, "p_city"),
        "cgj": make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "p_cgj", department=cgj),
        "scj": make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "p_scj", department=scj),
    }
    # e1, e2: handled by the village, verified and rated; e2 closed after its deadline
    for rating, late in ((5, False), (2, True)):
        e = _report(u["worker"], grid)
        _act(u["village"], e, "accept")
        e = _act(u["village"], e, "handle")
        if late:
            Event.objects.filter(pk=e.pk).update(deadline=timezone.now() - timedelta(minutes=1))
        e = _act(u["village"], e, "close")
        e = _act(u["worker"], e, "verify")
        _act(u["worker"], e, "rate", rating=rating)
    # e3 closed by 城管局, e4 open at 城管局 and overdue
    for close in (True, False):
        e = _report(u["worker"], grid, "0601")
        _act(u["ng"], e, "accept")
        e = _act(u["ng"], e, "dispatch", department=cgj)
        e = _act(u["cgj"], e, "sign")
        if close:
            _act(u["cgj"], e, "close")
        else:
            _overdue(e)
    _overdue(_report(u["worker"], grid))  # e5: waiting at the village, overdue
    _report(u["kc_worker"], kc_grid)  # in 宽城区: never in 南关区's figures
    for i in range(2):
        person_create(actor=u["ng"], grid=grid, name=f"甲{i}", id_number=numbered_id(i))
    return {**u, "cgj_dept": cgj, "scj_dept": scj, "grid": grid}


def _get(client, user, url):
    client.force_login(user)
    return client.get(API + url)


def _ok(client, user, url):
    r = _get(client, user, url)
    assert r.status_code == 200, (url, r.content)
    return r.json()


def test_trend_hand_computed(client, world):
    body = _ok(client, world["ng"], "trend/?days=7")
    assert body["area"]["code"] == NANGUAN and body["audience"] == "area"
    assert len(body["series"]) == 7 and body["days"] == 7
    today = str(timezone.localdate())
    assert body["series"][-1] == {"day": today, "reported": 5, "closed": 3}
    assert all(p["reported"] == 0 and p["closed"] == 0 for p in body["series"][:-1])
    assert body["until"] == today
    assert body["windows"] == [
        {"days": 1, "reported": 5, "closed": 3},
        {"days": 7, "reported": 5, "closed": 3},
        {"days": 30, "reported": 5, "closed": 3},
    ]
    assert len(_ok(client, world["ng"], "trend/?days=30")["series"]) == 30
    assert len(_ok(client, world["ng"], "trend/")["series"]) == 7  # the default


def test_breakdowns_hand_computed(client, world):
    status = _ok(client, world["ng"], "breakdown/?by=status")
    counts = {r["key"]: r["n"] for r in status["rows"]}
    assert status["total"] == 5 and status["available"] is True
    assert counts["archived"] == 2 and counts["closed"] == 1 and counts["reported"] == 1
    assert sum(counts.values()) == 5
    labels = {r["key"]: r["label"] for r in status["rows"]}
    assert labels["archived"] == "已归档"
    category = _ok(client, world["ng"], "breakdown/?by=category")["rows"]
    names = dict(
        EventCategory.objects.filter(code__in=["0101", "0601"]).values_list("code", "name")
    )
    assert [(r["label"], r["n"]) for r in category] == [(names["0101"], 3), (names["0601"], 2)]
    source = _ok(client, world["ng"], "breakdown/?by=source")["rows"]
    assert source == [{"key": "grid_worker", "label": "网格员上报", "n": 5}]
    urgency = _ok(client, world["ng"], "breakdown/?by=urgency")
    assert urgency["total"] == 5


def test_category_top_n_and_other(client, world):
    grid = world["grid"]
    codes = list(
        EventCategory.objects.exclude(code__in=["0101", "0601"])
        .filter(children__isnull=True, active=True)
        .values_list("code", flat=True)[:8]
    )
    for code in codes:
        _report(world["worker"], grid, code)
    rows = _ok(client, world["ng"], "breakdown/?by=category")["rows"]
    assert len(rows) == 8 and rows[-1]["key"] == "other" and rows[-1]["label"] == "其他"
    assert sum(r["n"] for r in rows) == 5 + len(codes)
    assert rows[0]["n"] == 3  # 0101 leads


def test_timeliness_and_satisfaction_hand_computed(client, world):
    t = _ok(client, world["ng"], "timeliness/")
    assert (t["total"], t["open"], t["overdue"], t["near_due"]) == (5, 3, 2, 0)
    assert (t["closed"], t["closed_late"], t["verified"]) == (3, 1, 2)
    assert t["overdue_rate"] == 66.7  # 2 of 3 open (已办结待核查 is still open)
    assert t["on_time_rate"] == 66.7  # 2 of 3 closed on time
    assert t["closure_rate"] == 60.0  # 3 of 5 accepted cases closed
    assert t["close_time_available"] is True
    assert [(r["key"], r["n"]) for r in t["close_time"]] == [
        ("1d", 3),
        ("3d", 0),
        ("7d", 0),
        ("15d", 0),
        ("more", 0),
    ]
    s = _ok(client, world["ng"], "satisfaction/")
    assert (s["available"], s["rated"], s["satisfaction"], s["rating_mean"]) == (True, 2, 50.0, 3.5)
    assert [r["n"] for r in s["ratings"]] == [0, 1, 0, 0, 1]
    # the summary carries the same figures (and the map can colour by them)
    summary = _ok(client, world["ng"], "summary/")
    assert summary["events_on_time_rate"] == 66.7 and summary["events_closure_rate"] == 60.0
    assert summary["events_satisfaction"] == 50.0 and summary["events_closed"] == 3
    assert summary["events_overdue_rate"] == 66.7 and summary["audience"] == "area"


def test_rankings_hand_computed(client, world):
    children = _ok(client, world["ng"], "ranking/?of=children&by=on_time_rate")
    rows = children["rows"]
    assert rows[0]["code"] == TOWNSHIP and rows[0]["rank"] == 1
    assert (rows[0]["on_time_rate"], rows[0]["closure_rate"], rows[0]["total"]) == (66.7, 60.0, 5)
    # the other townships have no case: no rate, no rank, after the ranked
    assert len(rows) == Area.objects.filter(parent__code=NANGUAN).count()
    assert all(r["rank"] is None and r["on_time_rate"] is None for r in rows[1:])
    depts = _ok(client, world["ng"], "ranking/?of=departments&by=closure_rate")["rows"]
    assert depts == [
        {
            "rank": 1,
            "code": str(world["cgj_dept"].pk),
            "name": "南关区城市管理局",
            "total": 2,
            "open": 2,
            "overdue": 1,
            "closed": 1,
            "on_time_rate": 100.0,
            "closure_rate": 50.0,
            "overdue_rate": 50.0,
        }
    ]
    # the city leader ranks the two counties: 宽城区 has a case but none closed
    city = _ok(client, world["city"], f"ranking/?area={CITY}&of=children&by=overdue_rate")
    by_code = {r["code"]: r for r in city["rows"]}
    assert by_code[NANGUAN]["overdue_rate"] == 66.7 and by_code[KUANCHENG]["overdue_rate"] == 0.0
    assert by_code[KUANCHENG]["rank"] == 1 and by_code[NANGUAN]["rank"] == 2  # lower is better
    assert by_code[KUANCHENG]["on_time_rate"] is None


def test_overdue_units_hand_computed(client, world):
    body = _ok(client, world["ng"], "overdue-units/")
    assert body["units_available"] is True
    units = {u["code"]: (u["overdue"], u["near_due"]) for u in body["units"]}
    held = Event.objects.filter(due_state="overdue").values_list("current_area__code", flat=True)
    assert sorted(held) == sorted(c for c, (n, _nd) in units.items() for _i in range(n))
    assert units[VILLAGE] == (1, 0)
    names = {u["code"]: u["name"] for u in body["units"]}
    assert names[VILLAGE] == Area.objects.get(code=VILLAGE).name
    assert body["departments"] == [
        {"id": world["cgj_dept"].pk, "name": "南关区城市管理局", "overdue": 1, "near_due": 0}
    ]


def test_every_panel_is_scoped(client, world):
    for panel in PANELS:
        sep = "&" if "?" in panel and not panel.endswith("?") else ""
        for user, area in (("kc", NANGUAN), ("kc", CITY), ("ng", CITY), ("cgj", CITY)):
            r = _get(client, world[user], f"{panel}{sep}area={area}")
            assert r.status_code == 404, (panel, user, area)
    # 宽城区 sees its one case, never 南关区's; the city leader sees both
    assert _ok(client, world["kc"], "trend/")["windows"][0]["reported"] == 1
    assert _ok(client, world["kc"], "timeliness/")["total"] == 1
    assert _ok(client, world["kc"], "overdue-units/")["departments"] == []
    assert _ok(client, world["kc"], "ranking/?of=departments")["rows"] == []
    assert _ok(client, world["kc"], "satisfaction/")["rated"] == 0
    city = _ok(client, world["city"], f"trend/?area={CITY}")
    assert city["windows"][0]["reported"] == 6
    assert _ok(client, world["city"], f"breakdown/?area={CITY}&by=source")["total"] == 6


def test_bad_input_is_400_with_a_message(client, world):
    for url, code in [
        ("trend/?days=5", "invalid_days"),
        ("trend/?days=abc", "invalid_days"),
        ("trend/?days=7.0", "invalid_days"),
        ("breakdown/?by=area", "invalid_by"),
        ("ranking/?of=people", "invalid_of"),
        ("ranking/?by=total", "invalid_by"),
        ("timeliness/?area=abc", "invalid_area"),
        ("overdue-units/?area=2201", "invalid_area"),
    ]:
        r = _get(client, world["ng"], url)
        assert r.status_code == 400, (url, r.content)
        body = r.json()
        assert body["code"] == code and body["detail"], (url, body)
    assert "7 或 30" in _get(client, world["ng"], "trend/?days=5").json()["detail"]
    assert _get(client, world["ng"], "satisfaction/?area=999999000000").status_code == 404


RAW = re.compile(r'\b(events_event|collection_\w+)\b"?')


def test_each_panel_reads_the_rollups_once_and_no_raw_table(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["city"])
    client.get(API + "summary/")  # warm the session
    # 18: the session, user, second factor, roles, shares (9 of any request), the area,
    # the rollups (with the index-only settings before and after each read,
    # governance/figures.py: _cells_cursor), the names (of units and of departments)
    for panel in [*PANELS, "summary/?"]:
        url = API + panel + ("&" if not panel.endswith("?") else "") + f"area={CITY}"
        with django_assert_max_num_queries(18), CaptureQueriesContext(connection) as captured:
            r = client.get(url)
        assert r.status_code == 200, panel
        sql = [q["sql"] for q in captured.captured_queries]
        # the overdue units: the departments' cells, then the top units ranked by the
        # database (a province holds thousands of units)
        reads = 2 if panel.startswith("overdue-units") else 1
        assert sum("governance_figurecount" in q for q in sql) == reads, (panel, sql)
        assert not [q for q in sql if RAW.search(q)], (panel, sql)


def test_department_user_reads_its_own_cases_only(client, world):
    """A department handler: events figures of the cases its department holds (or held
    when closed); no breakdown the rollups do not key by department; base data of its
    area as `Person.objects.restrict` shows it."""
    cgj, scj = world["cgj"], world["scj"]
    s = _ok(client, cgj, "summary/")
    assert s["audience"] == "department" and s["area"]["code"] == NANGUAN
    assert (s["events_total"], s["events_open"], s["events_overdue"], s["events_today"]) == (
        2,
        2,
        1,
        2,
    )
    assert s["events_closed"] == 1 and s["events_on_time_rate"] == 100.0
    assert s["events_satisfaction"] is None
    assert s["people"] == Person.objects.restrict(cgj).count() == 2
    other = _ok(client, scj, "summary/")
    assert (other["events_total"], other["events_open"], other["people"]) == (0, 0, 2)

    trend = _ok(client, cgj, "trend/")
    assert trend["audience"] == "department"
    assert trend["windows"][0] == {"days": 1, "reported": 2, "closed": 1}
    b = _ok(client, cgj, "breakdown/?by=category")
    assert (b["available"], b["rows"], b["total"]) == (False, [], None)
    t = _ok(client, cgj, "timeliness/")
    assert (t["total"], t["open"], t["overdue"], t["closed"], t["closed_late"]) == (2, 2, 1, 1, 0)
    assert (t["on_time_rate"], t["closure_rate"], t["overdue_rate"]) == (100.0, 50.0, 50.0)
    assert t["close_time_available"] is False and t["verified"] is None
    sat = _ok(client, cgj, "satisfaction/")
    assert sat["available"] is False and sat["satisfaction"] is None
    units = _ok(client, cgj, "overdue-units/")
    assert units["units"] == [] and units["units_available"] is False
    assert [d["id"] for d in units["departments"]] == [world["cgj_dept"].pk]
    assert _ok(client, scj, "overdue-units/")["departments"] == []
    ranked = _ok(client, scj, "ranking/?of=departments")["rows"]
    assert ranked == []  # 市场监管局 holds nothing; 城管局's row is not its to see
    children = _ok(client, cgj, "ranking/?of=children")["rows"]
    assert sum(r["total"] for r in children) == 2
    # A department handler who also holds a unit's role reads the whole area.
    from governance.services import role_assign

    role_assign(
        actor=None, user=scj, role=Role.COUNTY_DISPATCHER, area=Area.objects.get(code=NANGUAN)
    )
    scj.refresh_from_db()
    assert _ok(client, scj, "summary/")["events_total"] == 5
