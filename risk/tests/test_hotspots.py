"""Hot spots: the clusters equal a reference DBSCAN written here in plain Python over the
same projected points; trend; nearest key places; scoping; bad input; the timeout; and
the 冒烟指数's ordering."""

import random

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from governance.roles import Role
from risk import hotspots
from risk.hotspots import HotspotParams, hotspot_clusters, metric_srid, risk_area

from .factories import event_at, house_at, place_at

pytestmark = pytest.mark.django_db

NANGUAN = "220102000000"
KUANCHENG = "220103000000"


@pytest.fixture
def grid(first_grid):
    return first_grid(NANGUAN)


@pytest.fixture
def kc_grid(first_grid):
    return first_grid(KUANCHENG)


@pytest.fixture
def ng(make_user):
    return make_user(Role.COUNTY_DISPATCHER, NANGUAN)


@pytest.fixture
def kc(make_user):
    return make_user(Role.COUNTY_DISPATCHER, KUANCHENG)


# -- the reference -------------------------------------------------------------------------


def reference_dbscan(points: dict[int, tuple[float, float]], eps: float, minpts: int):
    """Textbook DBSCAN (Ester et al. 1996). Returns (core ids → cluster label, the border
    ids with the labels of the clusters whose core points reach them)."""
    ids = sorted(points)

    def near(i):
        xi, yi = points[i]
        return [j for j in ids if (points[j][0] - xi) ** 2 + (points[j][1] - yi) ** 2 <= eps**2]

    neighbours = {i: near(i) for i in ids}
    core = {i for i in ids if len(neighbours[i]) >= minpts}
    label: dict[int, int] = {}
    n = 0
    for i in ids:
        if i not in core or i in label:
            continue
        n += 1
        todo = [i]
        while todo:
            j = todo.pop()
            if j in label:
                continue
            label[j] = n
            todo.extend(k for k in neighbours[j] if k in core and k not in label)
    border = {}
    for i in ids:
        if i not in core:
            reach = {label[j] for j in neighbours[i] if j in core}
            if reach:
                border[i] = reach
    return {i: label[i] for i in core}, border


def projected(ids, srid):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, ST_X(ST_Transform(location, %s)), ST_Y(ST_Transform(location, %s))"
            " FROM events_event WHERE id = ANY(%s)",
            [srid, srid, list(ids)],
        )
        return {i: (x, y) for i, x, y in cur.fetchall()}


def test_clusters_equal_a_reference_dbscan(ng, grid):
    rng = random.Random(12)
    eps, minpts = 60, 3
    families = {"0101": [], "0301": []}
    # Two families over the same ground: each is clustered on its own.
    for code, events in families.items():
        for _ in range(45):
            events.append(event_at(grid, rng.uniform(0, 700), rng.uniform(0, 500), category=code))
    params = HotspotParams(days=30, distance=eps, min_count=minpts)
    area = risk_area(user=ng, code=NANGUAN)
    clusters = hotspot_clusters(user=ng, area=area, params=params)
    srid = metric_srid(area)
    for code, events in families.items():
        family = "01" if code == "0101" else "03"
        got = [set(c["event_ids"]) for c in clusters if c["category"]["code"] == family]
        core, border = reference_dbscan(projected([e.id for e in events], srid), eps, minpts)
        assert core, "the fixture must produce clusters"
        # Core points: the same partition.
        ref_groups = {}
        for i, lab in core.items():
            ref_groups.setdefault(lab, set()).add(i)
        got_core = sorted(sorted(g & set(core)) for g in got)
        assert got_core == sorted(sorted(g) for g in ref_groups.values())
        # Border points: in one of the clusters that reach them (DBSCAN's one freedom);
        # noise in none.
        cluster_of = {i: k for k, g in enumerate(got) for i in g}
        label_of_cluster = {k: core[next(i for i in g if i in core)] for k, g in enumerate(got)}
        for i in {e.id for e in events}:
            if i in core:
                continue
            if i in border:
                assert label_of_cluster[cluster_of[i]] in border[i]
            else:
                assert i not in cluster_of
        assert all(c["count"] == len(c["event_ids"]) for c in clusters)


def test_geojson_trend_and_nearest_places(ng, grid, api_client):
    now = timezone.now()
    for dx, dy in [(0, 0), (20, 0), (0, 20), (20, 20), (10, 10)]:
        event_at(grid, dx, dy, category="0101", days_ago=2, now=now)
    # The previous window: two inside the cluster's polygon, one far away, one too old.
    event_at(grid, 5, 5, category="0102", days_ago=10, now=now)  # same family (01)
    event_at(grid, 15, 10, category="0101", days_ago=12, now=now)
    event_at(grid, 900, 900, category="0101", days_ago=12, now=now)
    event_at(grid, 10, 10, category="0101", days_ago=20, now=now)
    event_at(grid, 10, 10, category="0301", days_ago=10, now=now)  # another family
    place_at(grid, 60, 0, name="风险测试小学", kind="school_area")
    place_at(grid, 10, 10, name="风险测试广场", kind="crowded")
    place_at(grid, 2000, 0, name="风险测试远处", kind="hazard")
    house_at(grid, 0, 200, address="风险测试出租屋", use="rental")
    house_at(grid, 0, 100, address="风险测试自住屋", use="self")
    r = api_client(ng).get(
        "/api/v1/hotspots/", {"area": NANGUAN, "days": 7, "distance": 50, "min_count": 3}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 1
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    props = feature["properties"]
    assert props["count"] == 5
    assert props["category"] == {"code": "01", "name": "矛盾纠纷"}
    assert props["trend"] == {"current": 5, "previous": 2, "change": 3}
    names = [p["name"] for p in props["places"]]
    assert names == ["风险测试广场", "风险测试小学", "风险测试出租屋"]
    places = {p["name"]: p for p in props["places"]}
    assert places["风险测试广场"]["distance_m"] == 0  # inside the polygon
    # The school is 60 m east of the cluster's edge point at 20 m, the polygon padded by
    # 25 m: about 15 m from it.
    assert 10 < places["风险测试小学"]["distance_m"] < 20
    assert places["风险测试出租屋"]["kind"] == "rental"
    assert 150 < places["风险测试出租屋"]["distance_m"] < 160


def test_category_filter(ng, grid):
    for dx in (0, 10, 20):
        event_at(grid, dx, 0, category="0101")
        event_at(grid, dx, 0, category="0301")
    area = risk_area(user=ng, code=NANGUAN)
    both = hotspot_clusters(user=ng, area=area, params=HotspotParams(distance=50))
    assert sorted(c["category"]["code"] for c in both) == ["01", "03"]
    only = hotspot_clusters(
        user=ng,
        area=area,
        params=HotspotParams(distance=50, category=hotspots.category_by_code("03")),
    )
    assert [c["category"]["code"] for c in only] == ["03"]


def test_scoping(ng, kc, grid, kc_grid, api_client):
    ng_events = [event_at(grid, dx, 0) for dx in (0, 10, 20)]
    kc_events = [event_at(kc_grid, dx, 0) for dx in (0, 10, 20)]
    # Another county's area: 404, like an area that does not exist.
    r = api_client(kc).get("/api/v1/hotspots/", {"area": grid.code})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = api_client(kc).get("/api/v1/hotspots/index/", {"area": NANGUAN})
    assert r.status_code == 404
    # Each county sees its own cluster only (default area: the top of the jurisdiction).
    for user, own, other in ((kc, kc_events, ng_events), (ng, ng_events, kc_events)):
        area = risk_area(user=user, code=None)
        ids = {
            i
            for c in hotspot_clusters(user=user, area=area, params=HotspotParams(distance=50))
            for i in c["event_ids"]
        }
        assert ids == {e.id for e in own}
        assert not ids & {e.id for e in other}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"days": "0"}, "invalid_days"),
        ({"days": "366"}, "invalid_days"),
        ({"days": "abc"}, "invalid_days"),
        ({"days": "-3"}, "invalid_days"),
        ({"distance": "0"}, "invalid_distance"),
        ({"distance": "1000000"}, "invalid_distance"),  # 1,000 km
        ({"distance": "5001"}, "invalid_distance"),
        ({"distance": "1.5"}, "invalid_distance"),
        ({"min_count": "1"}, "invalid_min_count"),
        ({"min_count": "0"}, "invalid_min_count"),
        ({"category": "nonesuch"}, "invalid_category"),
        ({"area": "abc"}, "invalid_area"),
        ({"area": "12"}, "invalid_area"),
    ],
)
def test_bad_input_is_400(ng, api_client, query, code):
    r = api_client(ng).get("/api/v1/hotspots/", query)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == code and body["detail"]


@pytest.mark.parametrize(
    ("query", "code"),
    [({"of": "house"}, "invalid_of"), ({"days": "0"}, "invalid_days"), ({"area": "x"}, None)],
)
def test_index_bad_input_is_400(ng, api_client, query, code):
    r = api_client(ng).get("/api/v1/hotspots/index/", query)
    assert r.status_code == 400
    assert code is None or r.json()["code"] == code


def test_unknown_area_is_404(ng, api_client):
    r = api_client(ng).get("/api/v1/hotspots/", {"area": "220102999999"})
    assert r.status_code == 404


def test_statement_timeout_is_503(ng, grid, api_client):
    from events.models import Event

    base = event_at(grid, 0, 0)
    Event.objects.bulk_create(
        [
            Event(
                number=f"RISKTO{i:06d}",
                title="超时测试",
                category_id=base.category_id,
                source="grid_worker",
                location=base.location.clone(),
                grid=grid,
                area_path=grid.path,
                current_area=grid,
            )
            for i in range(4000)
        ]
    )
    Event.objects.filter(number__startswith="RISKTO").update(
        location=base.location  # the same point: DBSCAN's worst case for neighbours
    )
    with override_settings(RISK_STATEMENT_TIMEOUT_MS=1):
        r = api_client(ng).get("/api/v1/hotspots/", {"area": NANGUAN, "distance": 5000})
    assert r.status_code == 503, r.content
    assert r.json()["code"] == "statement_timeout"
    # The timeout was local: the connection goes on with its usual setting.
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM events_event WHERE number LIKE 'RISKTO%%'")
        assert cur.fetchone()[0] == 4000


def test_smoke_index_ordering(ng, grid, api_client):
    now = timezone.now()
    a = place_at(grid, 0, 0, name="风险测试甲场所", kind="crowded")
    b = place_at(grid, 1000, 0, name="风险测试乙场所", kind="school_area")
    place_at(grid, 3000, 0, name="风险测试丙场所", kind="hazard")  # nothing near: not listed
    # 甲: three normal events today; 乙: one critical today (weight 3) and one normal
    # at the start of the window (weight ½) → 3.5 < 甲's 3.
    for dx in (0, 30, 60):
        event_at(grid, dx, 0, days_ago=0.01, now=now)
    event_at(grid, 1000, 50, urgency="critical", days_ago=0.01, now=now)
    event_at(grid, 1050, 0, days_ago=29.99, now=now)
    event_at(grid, 500, 0, now=now)  # near neither (≥ 200 m)
    event_at(grid, 10, 0, days_ago=40, now=now)  # too old
    r = api_client(ng).get("/api/v1/hotspots/index/", {"area": NANGUAN, "of": "place"})
    assert r.status_code == 200, r.content
    rows = r.json()["results"]
    assert [row["name"] for row in rows] == ["风险测试乙场所", "风险测试甲场所"]
    assert [row["id"] for row in rows] == [b.id, a.id]
    assert rows[0]["events"] == 2 and rows[1]["events"] == 3
    assert rows[0]["weighted"] == pytest.approx(3.5, abs=0.01)
    assert rows[1]["weighted"] == pytest.approx(3.0, abs=0.01)
    assert rows[0]["index"] == hotspots.smoke_value(3.5, "place") > rows[1]["index"]
    assert all(0 < row["index"] < 100 for row in rows)


def test_smoke_index_of_grids(ng, grid, kc_grid, api_client):
    from grids.models import Area

    # A grid of another township of 南关区.
    other = Area.objects.filter(level=6, code__startswith="220102002").order_by("code")[0]
    for _ in range(3):
        event_at(grid, 0, 0)
    event_at(other, 0, 0, urgency="urgent")
    event_at(kc_grid, 0, 0, urgency="critical")
    rows = api_client(ng).get("/api/v1/hotspots/index/", {"of": "grid", "days": 7}).json()
    codes = [row["code"] for row in rows["results"]]
    assert codes[:2] == [grid.code, other.code]
    assert kc_grid.code not in codes
    assert rows["results"][0]["rank"] == 1


def test_cockpit_page_carries_the_hotspot_layer(ng, client):
    client.force_login(ng)
    r = client.get("/cockpit/", {"area": NANGUAN})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="cockpit-hotspots"' in html and 'data-url="/api/v1/hotspots/"' in html
    assert "js/cockpit-hotspots.js" in html
    assert "冒烟热点" in html
