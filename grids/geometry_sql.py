"""Set-based SQL shared by the demo loader, boundary import and edits.

Each function works on every area matching a path prefix at once, so loading a
province is a handful of statements rather than tens of thousands of row updates.
"""

from django.db import connection

# Every stored boundary lives on a fixed precision grid of 1e-7° (about 1 cm), and
# every overlay (intersection, difference, union) is computed on that grid. GEOS'
# fixed-precision overlay is robust and deterministic, so neighbours clipped from the
# same parent share their edges exactly instead of leaving 10-cm slivers.
GRID_SIZE = 1e-7

# Tolerance (degrees) for the display geometry per level: about 1/3 pixel at the zoom
# a level is usually looked at (province ~z6 … grid ~z16).
SIMPLIFY_TOLERANCE = {1: 0.004, 2: 0.002, 3: 0.0008, 4: 0.0003, 5: 0.0001, 6: 0.00003}

# Vertices per piece when cutting grids for point lookup.
SUBDIVIDE_MAX_VERTICES = 64


def refresh_derived(*, path_prefix: str, level: int | None = None, ids=None) -> int:
    """Recompute simplified boundary, centroid and area (m²) from `boundary`."""
    where, params = _where(path_prefix, level, ids)
    cases = " ".join(f"WHEN {lv} THEN {tol}" for lv, tol in SIMPLIFY_TOLERANCE.items())
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE grids_area SET
              boundary_simple = ST_Multi(ST_CollectionExtract(ST_MakeValid(
                  ST_SimplifyPreserveTopology(boundary, CASE level {cases} END)), 3)),
              centroid = ST_PointOnSurface(boundary),
              area_m2 = ST_Area(boundary::geography)
            WHERE boundary IS NOT NULL AND {where}
            """,
            params,
        )
        return cur.rowcount


def rebuild_locate_cells(*, path_prefix: str, ids=None) -> int:
    """Replace the lookup pieces of the grids under `path_prefix` (or of `ids`)."""
    where, params = _where(path_prefix, 6, ids)
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM grids_locatecell WHERE area_id IN "
            f"(SELECT id FROM grids_area WHERE {where})",
            params,
        )
        cur.execute(
            f"""
            INSERT INTO grids_locatecell (area_id, geom)
            SELECT id, ST_Subdivide(boundary, {SUBDIVIDE_MAX_VERTICES})
            FROM grids_area WHERE boundary IS NOT NULL AND {where}
            """,
            params,
        )
        return cur.rowcount


def _where(path_prefix: str, level: int | None, ids) -> tuple[str, list]:
    clauses, params = ["path LIKE %s"], [path_prefix.replace("%", r"\%") + "%"]
    if level is not None:
        clauses.append("level = %s")
        params.append(level)
    if ids is not None:
        clauses.append("id = ANY(%s)")
        params.append(list(ids))
    return " AND ".join(clauses), params
