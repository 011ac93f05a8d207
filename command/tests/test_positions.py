"""Staff positions: bounds, accuracy and rate refused with clear codes (nothing saved);
the nearest available staff ordered by geodesic distance as computed by hand; the
30-day retention; nobody sees positions outside their jurisdiction."""

import math
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from command.models import StaffLastPosition, StaffPosition
from command.positions import position_report, positions_purge, staff_nearest
from command.tests.factories import event_make
from governance.models import AuditLog

pytestmark = pytest.mark.django_db


def _haversine(lng1, lat1, lng2, lat2) -> float:
    """Great-circle distance in metres on the mean earth radius (WGS84's spheroid
    differs by well under 0.5 % at these distances)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def test_report_and_rate_limit(worker, api_client, grid):
    c = grid.centroid
    client = api_client(worker)
    r = client.post("/api/v1/positions/", {"lng": c.x, "lat": c.y, "accuracy": 12}, format="json")
    assert r.status_code == 201 and r.json()["age_seconds"] <= 2
    r = client.post("/api/v1/positions/", {"lng": c.x, "lat": c.y, "accuracy": 12}, format="json")
    assert r.status_code == 429 and r.json()["code"] == "too_frequent"
    assert StaffPosition.objects.filter(user=worker).count() == 1


@pytest.mark.parametrize(
    "body,code",
    [
        ({"lng": 2.35, "lat": 48.85, "accuracy": 10}, "outside_china"),  # Paris
        ({"lng": 125.3, "lat": 17.9, "accuracy": 10}, "outside_china"),
        ({"lng": 125.3, "lat": 43.9, "accuracy": 0}, "invalid_accuracy"),
        ({"lng": 125.3, "lat": 43.9, "accuracy": 5001}, "invalid_accuracy"),
        ({"lng": 125.3, "lat": 43.9, "accuracy": -3}, "invalid_accuracy"),
    ],
)
def test_bad_positions_are_refused(worker, api_client, body, code):
    r = api_client(worker).post("/api/v1/positions/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == code, r.content
    assert not StaffPosition.objects.filter(user=worker).exists()


def test_only_unit_staff_report(province_leader, api_client):
    r = api_client(province_leader).post(
        "/api/v1/positions/", {"lng": 125.3, "lat": 43.9, "accuracy": 10}, format="json"
    )
    assert r.status_code == 403


def test_nearest_staff_in_hand_computed_order(make_user, dispatcher, grid, api_client):
    from governance.roles import Role

    event = event_make(actor=dispatcher, grid=grid)
    ex, ey = event.location.x, event.location.y
    # Offsets in degrees: distances of roughly 300 m, 1.1 km, 2.5 km, 8 km.
    offsets = {
        "n_far": (0.07, 0.05),
        "n_near": (0.003, 0.001),
        "n_mid": (0.0, 0.01),
        "n_mid2": (0.02, -0.01),
    }
    users = {}
    now = timezone.now()
    for name, (dx, dy) in offsets.items():
        u = make_user(Role.GRID_WORKER, grid.code, name)
        position_report(actor=u, lng=ex + dx, lat=ey + dy, accuracy=15, now=now)
        users[name] = u
    # A stale one (3 hours old) is not available.
    stale = make_user(Role.GRID_WORKER, grid.code, "n_stale")
    position_report(actor=stale, lng=ex, lat=ey, accuracy=5, now=now - timedelta(hours=3))

    expected = sorted(
        offsets, key=lambda n: _haversine(ex, ey, ex + offsets[n][0], ey + offsets[n][1])
    )
    rows = list(staff_nearest(user=dispatcher, event=event))
    assert [r.user.username for r in rows] == expected
    for r in rows:
        dx, dy = offsets[r.user.username]
        hand = _haversine(ex, ey, ex + dx, ey + dy)
        assert abs(r.distance.m - hand) / hand < 0.005
    body = api_client(dispatcher).get(f"/api/v1/positions/nearest/?event={event.number}").json()
    assert [b["name"] for b in body] == expected
    assert body[0]["distance_m"] < body[-1]["distance_m"]


def test_positions_scoped(worker, kc_dispatcher, kc_worker, dispatcher, api_client, grid):
    c = grid.centroid
    position_report(actor=worker, lng=c.x, lat=c.y, accuracy=10)
    assert [
        p["user"] for p in api_client(dispatcher).get("/api/v1/positions/").json()["results"]
    ] == [worker.pk]
    assert api_client(kc_dispatcher).get("/api/v1/positions/").json()["results"] == []
    r = api_client(kc_dispatcher).get(f"/api/v1/positions/route/?user={worker.pk}")
    assert r.status_code == 404
    route = api_client(dispatcher).get(f"/api/v1/positions/route/?user={worker.pk}").json()
    assert len(route["points"]) == 1


def test_route_of_the_day(worker, dispatcher, grid, api_client):
    c = grid.centroid
    # Noon of yesterday (local time): "the last half hour" crossed midnight when the
    # suite ran in the first half hour of a day, and today's route was then empty.
    start = (timezone.localtime() - timedelta(days=1)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    for i in range(3):
        position_report(
            actor=worker,
            lng=c.x + i * 0.001,
            lat=c.y,
            accuracy=8,
            now=start + timedelta(minutes=2 * i),
        )
    body = (
        api_client(dispatcher)
        .get(f"/api/v1/positions/route/?user={worker.pk}&date={start.date().isoformat()}")
        .json()
    )
    assert [p["lng"] for p in body["points"]] == sorted(p["lng"] for p in body["points"])
    assert body["line"]["type"] == "LineString" and len(body["line"]["coordinates"]) == 3


def test_retention_deletes_positions_older_than_30_days(worker, grid):
    c = grid.centroid
    now = timezone.now()
    position_report(actor=worker, lng=c.x, lat=c.y, accuracy=10, now=now - timedelta(days=31))
    position_report(actor=worker, lng=c.x, lat=c.y, accuracy=10, now=now - timedelta(days=29))
    StaffPosition.objects.create(
        user=worker,
        location=Point(c.x, c.y, srid=4326),
        accuracy=10,
        recorded_at=now - timedelta(days=40),
        area_path=grid.path,
    )
    assert positions_purge(now=now) == 2
    assert list(
        StaffPosition.objects.filter(user=worker).values_list("recorded_at", flat=True)
    ) == [now - timedelta(days=29)]
    assert StaffLastPosition.objects.filter(user=worker).exists()  # 29 days: kept
    assert positions_purge(now=now + timedelta(days=2)) == 1
    assert not StaffLastPosition.objects.filter(user=worker).exists()
    assert AuditLog.objects.filter(action="command.positions_purge").count() == 2
