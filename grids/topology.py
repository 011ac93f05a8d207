"""Topology checks of the area tree: every child inside its parent, siblings
disjoint, no gaps. Used by `check_grid_topology` and, inside the import transaction,
by `import_boundaries` (which rolls back when any check fails).

Boundaries live on a 1-cm precision grid (geometry_sql.GRID_SIZE); snapping to it
moves edges by up to half a centimetre, which over a kilometre-long edge adds up to a
few square metres of hairline sliver. A difference counts as a problem only when it
is larger than `min_area_m2` *and* still has an interior after eroding it by
`SLIVER_HALF_WIDTH` (about 5 cm): real overlaps and gaps survive, hairlines do not.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from .geometry_sql import GRID_SIZE

DEFAULT_MIN_AREA_M2 = 1.0
SLIVER_HALF_WIDTH = 5e-7  # degrees, about 5 cm

KIND_LABELS = {
    "outside": _("超出上级边界"),
    "overlap": _("与同级区域重叠"),
    "gap": _("下级区域未覆盖(缝隙)"),
}


@dataclass(frozen=True)
class Problem:
    kind: str  # outside | overlap | gap
    code: str
    name: str
    other_code: str  # the parent (outside), the sibling (overlap), "" (gap)
    area_m2: float

    def describe(self) -> str:
        label = str(KIND_LABELS[self.kind])
        other = (
            f" ↔ {self.other_code}"
            if self.kind == "overlap"
            else (f" ⊄ {self.other_code}" if self.kind == "outside" else "")
        )
        return f"{label} [{self.kind}] {self.name}({self.code}){other}: {self.area_m2:,.1f} m²"


def _parent_filter(path_prefix: str | None, parent_ids) -> tuple[str, dict]:
    if parent_ids is not None:
        return "p.id = ANY(%(ids)s)", {"ids": list(parent_ids)}
    return "p.path LIKE %(prefix)s", {"prefix": (path_prefix or "") + "%"}


def check_topology(
    *, path_prefix: str | None = None, parent_ids=None, min_area_m2: float = DEFAULT_MIN_AREA_M2
) -> list[Problem]:
    """Problems among the children of every parent under `path_prefix` (inclusive),
    or of the parents in `parent_ids`."""
    where, params = _parent_filter(path_prefix, parent_ids)
    problems: list[Problem] = []
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT 'outside', c.code, c.name, p.code, m2 FROM grids_area p
            JOIN grids_area c ON c.parent_id = p.id AND c.boundary IS NOT NULL
            CROSS JOIN LATERAL (SELECT ST_Difference(c.boundary, p.boundary, %(g)s) AS d) x
            CROSS JOIN LATERAL (SELECT ST_Area(d::geography) AS m2) y
            WHERE {where} AND p.boundary IS NOT NULL
              AND NOT ST_CoveredBy(c.boundary, p.boundary) AND m2 > %(min)s
              AND NOT ST_IsEmpty(ST_Buffer(d, -%(w)s))
            ORDER BY c.code
            """,
            {**params, "min": min_area_m2, "g": GRID_SIZE, "w": SLIVER_HALF_WIDTH},
        )
        problems += [Problem(*row) for row in cur.fetchall()]
        cur.execute(
            f"""
            SELECT 'overlap', a.code, a.name, b.code, m2 FROM grids_area p
            JOIN grids_area a ON a.parent_id = p.id AND a.boundary IS NOT NULL
            JOIN grids_area b ON b.parent_id = p.id AND b.boundary IS NOT NULL
                             AND a.code < b.code AND a.boundary && b.boundary
            CROSS JOIN LATERAL (SELECT ST_Intersection(a.boundary, b.boundary, %(g)s) AS d) x
            CROSS JOIN LATERAL (SELECT ST_Area(d::geography) AS m2) y
            WHERE {where} AND ST_Relate(a.boundary, b.boundary, '2********') AND m2 > %(min)s
              AND NOT ST_IsEmpty(ST_Buffer(d, -%(w)s))
            ORDER BY a.code, b.code
            """,
            {**params, "min": min_area_m2, "g": GRID_SIZE, "w": SLIVER_HALF_WIDTH},
        )
        problems += [Problem(*row) for row in cur.fetchall()]
        cur.execute(
            f"""
            SELECT 'gap', p.code, p.name, '', m2 FROM grids_area p
            CROSS JOIN LATERAL (
              SELECT ST_Difference(p.boundary, ST_Union(c.boundary, %(g)s), %(g)s) AS d
              FROM grids_area c WHERE c.parent_id = p.id AND c.boundary IS NOT NULL) x
            CROSS JOIN LATERAL (SELECT ST_Area(d::geography) AS m2) y
            WHERE {where} AND p.boundary IS NOT NULL AND m2 > %(min)s
              AND NOT ST_IsEmpty(ST_Buffer(d, -%(w)s))
            ORDER BY p.code
            """,
            {**params, "min": min_area_m2, "g": GRID_SIZE, "w": SLIVER_HALF_WIDTH},
        )
        problems += [Problem(*row) for row in cur.fetchall()]
    return problems
