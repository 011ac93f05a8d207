"""Hot spots (冒烟): where events bunch together, computed on the fly in PostGIS.

- `hotspot_clusters`: `ST_ClusterDBSCAN` over the located events of the last N days in a
  metric projection (the UTM zone of the area: DBSCAN's eps is in the geometry's units),
  one clustering per category family (the top-level category), each cluster as a polygon
  (its convex hull buffered by half the distance) with its count, its trend against the
  previous window of the same length and the nearest key places.
- `smoke_index`: the 冒烟指数 of key places and grids (formula in docs/hotspots.md).

Everything is scoped twice: the area asked for must lie in the user's jurisdiction (404
otherwise), and only the events (`Event.objects.restrict`) and places (`Place`/`House`
`restrict`) the user may read enter the SQL, as sub-selects built by the ORM. Nothing is
stored: no model, no migration. Every statement runs under a statement timeout; a
timeout is answered 503 with a clear message, never left hanging.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collection.models import House, Place
from events.models import Event, EventCategory, Status, Urgency
from governance.errors import NotFound, ServiceError
from grids.models import Area, Level

CODE = re.compile(r"[0-9]{6,15}")
INTEGER = re.compile(r"[0-9]{1,7}")

DAYS_DEFAULT, DAYS_MAX = 30, 365
DISTANCE_DEFAULT, DISTANCE_MAX = 200, 5000  # metres (DBSCAN eps)
MIN_COUNT_DEFAULT, MIN_COUNT_MIN, MIN_COUNT_MAX = 3, 2, 1000
NEAR_PLACES_M = 500  # key places within this distance of a cluster are named
NEAR_PLACES_MAX = 5  # … the nearest five
MAX_CLUSTERS = 500
INDEX_TOP = 50
INDEX_RADIUS_M = 200  # events within this distance of a place count for its index
# 冒烟指数 = 100 · (1 − exp(−S / K)); S is the weighted count (docs/hotspots.md).
INDEX_K = {"place": 5.0, "grid": 10.0}
URGENCY_WEIGHT = {Urgency.NORMAL: 1, Urgency.URGENT: 2, Urgency.CRITICAL: 3}
# Not incidents of their own: a duplicate merged into another case, a refused report, a
# citizen's report still waiting for moderation.
NOT_COUNTED = [Status.MERGED, Status.REJECTED, Status.PENDING_REVIEW]
DEFAULT_METRIC_SRID = 32651  # UTM zone 51N: Jilin
# Degrees per metre for a bounding-box pre-filter that is never too small north of the
# equator up to 56°N (1° of longitude ≥ 62 km there); the exact test is in metres.
DEG_PER_M = 1 / 60000

RENTAL = "rental"
PLACE_KIND_LABELS = {**dict(Place.Kind.choices), RENTAL: gettext_lazy("出租房屋")}


class HotspotTimeout(ServiceError):
    """The clustering took longer than the statement timeout: refused, not left running."""

    status_code = 503
    default_code = "statement_timeout"
    default_message = gettext_lazy(
        "计算超时,请缩小区域、缩短天数或选择一个事件分类后重试。"
        " / The computation timed out: choose a smaller area, fewer days or one category."
    )


@dataclass(frozen=True)
class HotspotParams:
    days: int = DAYS_DEFAULT
    distance: int = DISTANCE_DEFAULT
    min_count: int = MIN_COUNT_DEFAULT
    category: EventCategory | None = None


# -- input -----------------------------------------------------------------------------


def risk_area(*, user, code: str | None) -> Area:
    """The area asked for (default: the top of the user's jurisdiction), only inside it."""
    areas = Area.objects.restrict(user).only("id", "code", "name", "level", "path", "centroid")
    if code is None or code == "":
        area = areas.order_by("level", "code").first()
    else:
        if not CODE.fullmatch(code):
            raise ValidationError(
                _("区划代码格式不正确(6 到 15 位数字)。/ Malformed area code (6 to 15 digits)."),
                code="invalid_area",
            )
        area = areas.filter(code=code).first()
    if area is None:
        raise NotFound(_("区域不存在或不在您的管辖范围内。"))
    return area


def bounded_int(raw, *, name: str, default: int, low: int, high: int, unit: str = "") -> int:
    """A whole number from a query parameter within [low, high], or a 400 saying so."""
    if raw is None or raw == "":
        return default
    if not INTEGER.fullmatch(str(raw)) or not low <= int(raw) <= high:
        raise ValidationError(
            _("%(name)s 须为 %(low)d 到 %(high)d 之间的整数%(unit)s。")
            % {"name": name, "low": low, "high": high, "unit": unit},
            code=f"invalid_{name}",
        )
    return int(raw)


def hotspot_params(query) -> HotspotParams:
    """The clustering's parameters from a query dict; bad values are refused (400)."""
    days = bounded_int(query.get("days"), name="days", default=DAYS_DEFAULT, low=1, high=DAYS_MAX)
    distance = bounded_int(
        query.get("distance"),
        name="distance",
        default=DISTANCE_DEFAULT,
        low=1,
        high=DISTANCE_MAX,
        unit=_("(米)"),
    )
    min_count = bounded_int(
        query.get("min_count"),
        name="min_count",
        default=MIN_COUNT_DEFAULT,
        low=MIN_COUNT_MIN,
        high=MIN_COUNT_MAX,
    )
    return HotspotParams(
        days=days,
        distance=distance,
        min_count=min_count,
        category=category_by_code(query.get("category")),
    )


def category_by_code(code) -> EventCategory | None:
    if code is None or code == "":
        return None
    category = EventCategory.objects.filter(code=str(code)[:32]).first()
    if category is None:
        raise ValidationError(
            _("未知的事件分类:%(code)s。/ Unknown event category.") % {"code": str(code)[:32]},
            code="invalid_category",
        )
    return category


# -- shared pieces -----------------------------------------------------------------------


def category_families() -> dict[int, EventCategory]:
    """Category id → its family (the top-level category of its branch of the tree)."""
    categories = {c.id: c for c in EventCategory.objects.only("id", "code", "name", "parent_id")}
    families = {}
    for cid, c in categories.items():
        top, seen = c, set()
        while top.parent_id is not None and top.parent_id in categories and top.id not in seen:
            seen.add(top.id)
            top = categories[top.parent_id]
        families[cid] = top
    return families


def descendant_ids(category: EventCategory) -> list[int]:
    """The category and every category below it."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in EventCategory.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(cid)
    ids, todo = [], [category.id]
    while todo:
        cid = todo.pop()
        if cid in ids:
            continue
        ids.append(cid)
        todo.extend(children.get(cid, []))
    return ids


def metric_srid(area: Area) -> int:
    """The UTM zone (WGS 84, north) of the area's centroid: metres with < 0.1 % error
    across a zone, enough for a 5 km clustering distance."""
    if area.centroid is None:
        return DEFAULT_METRIC_SRID
    zone = int((area.centroid.x + 180) // 6) + 1
    return 32600 + max(1, min(60, zone))


def subquery(qs) -> tuple[str, list]:
    """The ORM's SQL for `qs.values("id")`: the scoped ids as a sub-select."""
    sql, params = qs.values("id").query.sql_with_params()
    return f"({sql})", list(params)


def scoped_events(*, user, since: datetime | None = None, until: datetime | None = None):
    qs = Event.objects.restrict(user).exclude(status__in=NOT_COUNTED)
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if until is not None:
        qs = qs.filter(reported_at__lt=until)
    return qs


def run_sql(sql: str, params: list) -> list[tuple]:
    """Run one read under the statement timeout (settings.RISK_STATEMENT_TIMEOUT_MS)."""
    timeout = int(getattr(settings, "RISK_STATEMENT_TIMEOUT_MS", 10000))
    try:
        with transaction.atomic(), connection.cursor() as cur:
            # Local to the transaction; restored at once, for when this runs inside an
            # outer one (a test, an atomic request) that goes on after it.
            cur.execute(
                "SELECT current_setting('statement_timeout'),"
                " set_config('statement_timeout', %s, true)",
                [str(timeout)],
            )
            before = cur.fetchone()[0]
            cur.execute(sql, params)
            rows = cur.fetchall()
            cur.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            return rows
    except OperationalError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == "57014":  # query_canceled
            raise HotspotTimeout() from exc
        raise


def _family_arrays(families: dict[int, EventCategory]) -> tuple[list[int], list[int]]:
    ids = sorted(families)
    return ids, [families[i].id for i in ids]


# -- clusters ----------------------------------------------------------------------------


def hotspot_clusters(*, user, area: Area, params: HotspotParams, now=None) -> list[dict]:
    """The clusters of the window [now − days, now), biggest first (at most MAX_CLUSTERS).

    Each: family (category), count, event_ids, trend {current, previous, change},
    geometry (GeoJSON, SRID 4326) and places [{name, kind, kind_label, distance_m}].
    """
    now = now or timezone.now()
    since = now - timedelta(days=params.days)
    previous_since = since - timedelta(days=params.days)
    families = category_families()
    cat_ids, fam_ids = _family_arrays(families)
    events = scoped_events(user=user, since=previous_since, until=now).filter(
        area_path__startswith=area.path, location__isnull=False
    )
    if params.category is not None:
        events = events.filter(category_id__in=descendant_ids(params.category))
    events_sql, events_params = subquery(events)
    places_sql, places_params = subquery(Place.objects.restrict(user))
    houses_sql, houses_params = subquery(House.objects.restrict(user).filter(use=RENTAL))
    srid = metric_srid(area)
    pad = params.distance / 2
    sql = f"""
    WITH fam(category_id, family_id) AS (
        SELECT * FROM unnest(%s::bigint[], %s::bigint[])
    ),
    pts AS (
        SELECT e.id, f.family_id, e.reported_at >= %s AS current,
               ST_Transform(e.location, %s) AS g
        FROM events_event e JOIN fam f ON f.category_id = e.category_id
        WHERE e.id IN {events_sql}
    ),
    cur AS (
        SELECT id, family_id, g,
               ST_ClusterDBSCAN(g, eps := %s, minpoints := %s)
                   OVER (PARTITION BY family_id) AS cid
        FROM pts WHERE current
    ),
    clusters AS (
        SELECT family_id, cid, count(*) AS n, array_agg(id ORDER BY id) AS ids,
               ST_Buffer(ST_ConvexHull(ST_Collect(g)), %s) AS hull
        FROM cur WHERE cid IS NOT NULL
        GROUP BY family_id, cid
        ORDER BY count(*) DESC, family_id, cid
        LIMIT %s
    ),
    shaped AS (
        SELECT c.*, ST_Transform(c.hull, 4326) AS hull4326 FROM clusters c
    )
    SELECT s.family_id, s.n, s.ids,
           (SELECT count(*) FROM pts p
             WHERE NOT p.current AND p.family_id = s.family_id
               AND ST_Intersects(p.g, s.hull)) AS previous,
           ST_AsGeoJSON(s.hull4326, 6) AS geometry,
           (SELECT coalesce(json_agg(json_build_object(
                        'name', k.name, 'kind', k.kind, 'distance_m', round(k.d::numeric, 1))
                    ORDER BY k.d, k.name), '[]'::json)
              FROM (SELECT * FROM (
                  SELECT p.name, p.kind,
                         ST_Distance(p.location::geography, s.hull4326::geography) AS d
                    FROM collection_place p
                   WHERE p.id IN {places_sql} AND p.location IS NOT NULL
                     AND p.location && ST_Expand(s.hull4326, %s)
                  UNION ALL
                  SELECT h.address, 'rental',
                         ST_Distance(h.location::geography, s.hull4326::geography)
                    FROM collection_house h
                   WHERE h.id IN {houses_sql} AND h.location IS NOT NULL
                     AND h.location && ST_Expand(s.hull4326, %s)
                  ) near WHERE near.d <= %s ORDER BY near.d, near.name LIMIT %s) k
           ) AS places
    FROM shaped s
    ORDER BY s.n DESC, s.family_id, s.ids[1]
    """
    bbox = NEAR_PLACES_M * DEG_PER_M
    rows = run_sql(
        sql,
        [
            cat_ids,
            fam_ids,
            since,
            srid,
            *events_params,
            float(params.distance),
            params.min_count,
            pad,
            MAX_CLUSTERS,
            *places_params,
            bbox,
            *houses_params,
            bbox,
            NEAR_PLACES_M,
            NEAR_PLACES_MAX,
        ],
    )
    by_id = {c.id: c for c in families.values()}
    clusters = []
    for family_id, n, ids, previous, geometry, places in rows:
        family = by_id[family_id]
        places = json.loads(places) if isinstance(places, str) else places
        clusters.append(
            {
                "category": {"code": family.code, "name": family.name},
                "count": n,
                "event_ids": list(ids),
                "trend": {"current": n, "previous": previous, "change": n - previous},
                "geometry": json.loads(geometry),
                "places": [
                    {
                        "name": p["name"],
                        "kind": p["kind"],
                        "kind_label": str(PLACE_KIND_LABELS.get(p["kind"], p["kind"])),
                        "distance_m": float(p["distance_m"]),
                    }
                    for p in places
                ],
            }
        )
    return clusters


def hotspot_geojson(*, user, area: Area, params: HotspotParams, now=None) -> dict:
    """The clusters as a GeoJSON FeatureCollection (the API's answer)."""
    now = now or timezone.now()
    clusters = hotspot_clusters(user=user, area=area, params=params, now=now)
    features = []
    for i, c in enumerate(clusters, start=1):
        features.append(
            {
                "type": "Feature",
                "id": i,
                "geometry": c["geometry"],
                "properties": {
                    "count": c["count"],
                    "category": c["category"],
                    "trend": c["trend"],
                    "places": c["places"],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "window": {
            "days": params.days,
            "since": now - timedelta(days=params.days),
            "until": now,
        },
        "distance": params.distance,
        "min_count": params.min_count,
        "features": features,
    }


# -- 冒烟指数 ----------------------------------------------------------------------------


def smoke_value(weighted: float, of: str) -> float:
    """0–100, rising with the weighted count and never reaching 100."""
    return round(100 * (1 - math.exp(-weighted / INDEX_K[of])), 1)


def _weight_sql(alias: str) -> str:
    """An event's weight: urgency × recency (1 today, ½ at the window's start)."""
    urgency = " ".join(f"WHEN '{k}' THEN {v}" for k, v in URGENCY_WEIGHT.items())
    return (
        f"(CASE {alias}.urgency {urgency} ELSE 1 END)"
        f" * (1 - 0.5 * LEAST(1, GREATEST(0,"
        f" extract(epoch FROM (%s - {alias}.reported_at)) / 86400.0 / %s)))"
    )


def smoke_index(*, user, area: Area, of: str, days: int, now=None) -> list[dict]:
    """The INDEX_TOP places (or grids) of the area with the highest 冒烟指数 (> 0)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    events_sql, events_params = subquery(scoped_events(user=user, since=since, until=now))
    if of == "place":
        places = Place.objects.restrict(user).filter(area_path__startswith=area.path)
        places_sql, places_params = subquery(places)
        sql = f"""
        SELECT p.id, p.name, p.kind, g.code, g.name, count(e.id), sum({_weight_sql("e")})
          FROM collection_place p
          JOIN grids_area g ON g.id = p.grid_id
          JOIN events_event e
            ON e.location && ST_Expand(p.location, %s)
           AND ST_DWithin(e.location::geography, p.location::geography, %s)
         WHERE p.id IN {places_sql} AND p.location IS NOT NULL AND e.id IN {events_sql}
         GROUP BY p.id, g.id
         ORDER BY 7 DESC, p.name, p.id
         LIMIT %s
        """
        rows = run_sql(
            sql,
            [
                now,
                float(days),
                INDEX_RADIUS_M * DEG_PER_M,
                INDEX_RADIUS_M,
                *places_params,
                *events_params,
                INDEX_TOP,
            ],
        )
        return [
            {
                "rank": i,
                "id": pid,
                "name": name,
                "kind": kind,
                "kind_label": str(PLACE_KIND_LABELS.get(kind, kind)),
                "grid": {"code": gcode, "name": gname},
                "events": n,
                "weighted": round(float(w), 3),
                "index": smoke_value(float(w), "place"),
            }
            for i, (pid, name, kind, gcode, gname, n, w) in enumerate(rows, start=1)
        ]
    grids = Area.objects.restrict(user).filter(level=Level.GRID, path__startswith=area.path)
    grids_sql, grids_params = subquery(grids)
    sql = f"""
    SELECT g.code, g.name, count(e.id), sum({_weight_sql("e")})
      FROM grids_area g JOIN events_event e ON e.grid_id = g.id
     WHERE g.id IN {grids_sql} AND e.id IN {events_sql}
     GROUP BY g.id
     ORDER BY 4 DESC, g.code
     LIMIT %s
    """
    rows = run_sql(sql, [now, float(days), *grids_params, *events_params, INDEX_TOP])
    return [
        {
            "rank": i,
            "code": code,
            "name": name,
            "events": n,
            "weighted": round(float(w), 3),
            "index": smoke_value(float(w), "grid"),
        }
        for i, (code, name, n, w) in enumerate(rows, start=1)
    ]
