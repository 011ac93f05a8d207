"""Reads of the area tree. Every one starts from Area.objects.restrict(user, …)."""

from __future__ import annotations

import json

from django.db.models import Q

from governance.compiled import CompiledQueries, run_listed
from governance.models import RoleAssignment
from governance.replica import read_connection
from governance.roles import Action, Role
from governance.scoping import jurisdiction_paths, path_in_jurisdiction, shared_pks

from .models import Area


def area_list(
    *,
    user,
    level: int | None = None,
    parent: Area | None = None,
    search: str = "",
    action: str = Action.VIEW,
):
    qs = Area.objects.restrict(user, action).defer("boundary", "boundary_simple")
    if level is not None:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__startswith=search))
    return qs.order_by("code")


def area_get(*, user, code: str, action: str = Action.VIEW) -> Area:
    """The area, or Area.DoesNotExist when it is outside the user's jurisdiction."""
    # Without its outlines: a page shows names and figures, and the maps ask for the
    # outline separately (decoding a province's outline costs more than the page).
    return Area.objects.restrict(user, action).defer("boundary", "boundary_simple").get(code=code)


# Compiled once per process and number of codes (governance/compiled.py run_listed): the
# report and person forms ask for it on every request.
_ROOTS = CompiledQueries(size=64)


def area_roots(*, user) -> list[Area]:
    """The top areas of the user's jurisdiction (where their browsing starts)."""
    codes = tuple(p.rstrip("/").split("/")[-1] for p in jurisdiction_paths(user, Action.VIEW))
    if not codes:
        return []
    return run_listed(
        _ROOTS,
        "roots",
        lambda codes: (
            Area.objects.filter(code__in=codes)
            .defer("boundary", "boundary_simple")
            .order_by("level", "code")
        ),
        codes=codes,
    )


def area_ancestors(*, user, area: Area) -> list[Area]:
    """Ancestors inside the user's jurisdiction (a county user's breadcrumb starts at
    their county, not at the province)."""
    codes = area.ancestor_codes[:-1]
    return list(area_list(user=user).filter(code__in=codes).order_by("level"))


def area_staff(*, user, area: Area):
    """Role assignments held at this area (e.g. a grid's grid workers)."""
    area_get(user=user, code=area.code)  # raises when outside the jurisdiction
    return (
        RoleAssignment.objects.filter(area=area)
        .select_related("user", "department")
        .order_by("role", "user__username")
    )


def grid_workers(*, area: Area):
    return RoleAssignment.objects.filter(area=area, role=Role.GRID_WORKER).select_related("user")


def zoom_tolerance(zoom: int | None) -> float:
    """Simplification tolerance in degrees: about half a screen pixel at `zoom`."""
    zoom = 8 if zoom is None else max(0, min(int(zoom), 20))
    return 360.0 / (256 * 2**zoom) / 2


def area_children_geojson(*, user, area: Area, zoom: int | None = None) -> dict:
    """The children of `area` in the user's jurisdiction as a GeoJSON FeatureCollection,
    simplified for the zoom level in SQL (never shipping full-resolution boundaries)."""
    children = area_list(user=user, parent=area).filter(boundary__isnull=False)
    ids = list(children.values_list("id", flat=True))
    return _features(ids, zoom_tolerance(zoom))


def area_self_geojson(*, user, area: Area, zoom: int | None = None) -> dict:
    area_get(user=user, code=area.code)
    return _features([area.id], zoom_tolerance(zoom))


def area_neighbours_geojson(*, user, area: Area, zoom: int | None = None) -> dict:
    """The areas around one the user holds (same parent, same level), for the map a field
    worker aims at when placing a report or a house: outlines and names only, as on any
    printed grid map (一张网). Nothing is returned for an area outside the jurisdiction."""
    # area_list(user).filter(pk=area.pk).exists() without a statement: an area is in the
    # user's list when its path is in their jurisdiction or it is shared with them
    # (governance.scoping.restrict; areas have no department field).
    visible = path_in_jurisdiction(user, area.path, Action.VIEW) or area.pk in (
        shared_pks(Area, user, Action.VIEW) or ()
    )
    if area.parent_id is None or not visible:
        return {"type": "FeatureCollection", "features": []}
    # One statement, no ORM: the report form asks for it on every load.
    features = _features_where(
        "a.parent_id = %s AND a.level = %s AND a.id <> %s AND a.boundary IS NOT NULL",
        [area.parent_id, area.level, area.pk],
        zoom_tolerance(zoom),
    )
    for f in features["features"]:
        f["properties"] = {"name": f["properties"]["name"]}  # the name to aim by, no figures
    return features


def pick_map_context(*, user, area: Area | None) -> dict:
    """What the point-picking map of a form draws (templates/_pick_map.html): the user's
    area, and for a grid the grids around it (the areas API shows those only to their
    own staff, so they come with the page)."""
    neighbours = None
    if area is not None and area.level == 6:
        neighbours = area_neighbours_geojson(user=user, area=area, zoom=15)
    return {"pick_area": area, "pick_neighbours": neighbours}


def _features(ids: list[int], tolerance: float) -> dict:
    if not ids:
        return {"type": "FeatureCollection", "features": []}
    return _features_where("a.id = ANY(%s)", [ids], tolerance)


def _features_where(where: str, params: list, tolerance: float) -> dict:
    with read_connection().cursor() as cur:
        cur.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features',
              coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', a.code,
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.boundary, %s), 6)::json,
                'properties', json_build_object(
                    'code', a.code, 'name', a.name, 'level', a.level,
                    'area_km2', round((a.area_m2 / 1e6)::numeric, 2),
                    'children', (SELECT count(*) FROM grids_area k WHERE k.parent_id = a.id))
              ) ORDER BY a.code), '[]'::json))
            FROM grids_area a WHERE """
            + where,
            [tolerance, *params],
        )
        data = cur.fetchone()[0]
    return json.loads(data) if isinstance(data, str) else data
