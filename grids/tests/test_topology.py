"""Topology checks and boundary import: a deliberately overlapping grid and a gap are
caught, and an import that breaks the rules writes nothing."""

import json
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from governance.models import AuditLog
from grids.models import Area, LocateCell
from grids.topology import check_topology

pytestmark = pytest.mark.django_db

VILLAGE = "220102001001"  # 华阳社区, 4 grids


def _grids():
    return list(Area.objects.filter(parent__code=VILLAGE).order_by("code"))


def _grow_into_neighbour(grid: Area, neighbour: Area) -> str:
    """GeoJSON of `grid` enlarged to swallow a strip of `neighbour` (an overlap)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsGeoJSON(ST_Union(a.boundary, ST_Intersection(b.boundary, "
            "ST_Buffer(a.boundary, 0.0005)))) FROM grids_area a, grids_area b "
            "WHERE a.id = %s AND b.id = %s",
            [grid.id, neighbour.id],
        )
        return cur.fetchone()[0]


def _shrink(grid: Area) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsGeoJSON(ST_Buffer(boundary, -0.0005)) FROM grids_area WHERE id = %s",
            [grid.id],
        )
        return cur.fetchone()[0]


def _set(area: Area, geojson: str) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE grids_area SET boundary = ST_Multi(ST_SetSRID("
            "ST_GeomFromGeoJSON(%s), 4326)) WHERE id = %s",
            [geojson, area.id],
        )


def _neighbours(grids):
    with connection.cursor() as cur:
        for a in grids:
            for b in grids:
                if a.id < b.id:
                    cur.execute(
                        "SELECT ST_Touches(x.boundary, y.boundary) FROM grids_area x, "
                        "grids_area y WHERE x.id = %s AND y.id = %s",
                        [a.id, b.id],
                    )
                    if cur.fetchone()[0]:
                        return a, b
    raise AssertionError("no neighbouring grids")


def _feature_collection(path, features):
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"code": code}, "geometry": json.loads(geom)}
                    for code, geom in features
                ],
            }
        ),
        encoding="utf-8",
    )
    return str(path)


def test_loaded_village_is_clean():
    village = Area.objects.get(code=VILLAGE)
    assert check_topology(path_prefix=village.path) == []


def test_overlapping_grid_is_detected():
    a, b = _neighbours(_grids())
    _set(a, _grow_into_neighbour(a, b))
    village = Area.objects.get(code=VILLAGE)
    problems = check_topology(path_prefix=village.path)
    overlaps = [p for p in problems if p.kind == "overlap"]
    assert len(overlaps) == 1
    assert {overlaps[0].code, overlaps[0].other_code} == {a.code, b.code}
    assert overlaps[0].area_m2 > 100


def test_gap_is_detected_with_its_area():
    grid = _grids()[0]
    _set(grid, _shrink(grid))
    village = Area.objects.get(code=VILLAGE)
    gaps = [p for p in check_topology(path_prefix=village.path) if p.kind == "gap"]
    assert [g.code for g in gaps] == [VILLAGE]
    assert gaps[0].area_m2 > 1000


def test_check_command_exits_non_zero_and_reports(capsys):
    grid = _grids()[0]
    _set(grid, _shrink(grid))
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("check_grid_topology", "--area", VILLAGE, stdout=out, stderr=StringIO())
    assert exc.value.code == 1
    assert "[gap]" in out.getvalue() and "m²" in out.getvalue()


def test_check_command_passes_on_clean_county():
    out = StringIO()
    call_command("check_grid_topology", "--area", "220102", stdout=out)
    assert "topology OK" in out.getvalue()


def test_import_refuses_overlap_and_writes_nothing(tmp_path):
    a, b = _neighbours(_grids())
    before = Area.objects.get(pk=a.pk).boundary.wkt
    audits = AuditLog.objects.count()
    path = _feature_collection(tmp_path / "bad.geojson", [(a.code, _grow_into_neighbour(a, b))])
    err = StringIO()
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_boundaries", path, stdout=StringIO(), stderr=err)
    assert "[overlap]" in err.getvalue()
    assert Area.objects.get(pk=a.pk).boundary.wkt == before
    assert AuditLog.objects.count() == audits


def test_import_refuses_unknown_codes(tmp_path):
    grid = _grids()[0]
    path = _feature_collection(tmp_path / "x.geojson", [("999999999999999", _shrink(grid))])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_boundaries", path, stdout=StringIO(), stderr=err)
    assert "未知区划代码" in err.getvalue()


def test_import_of_a_valid_redrawn_pair_from_shapefile_is_applied_and_audited(tmp_path):
    """Move the border between two neighbouring grids: the pair stays a partition."""
    a, b = _neighbours(_grids())
    with connection.cursor() as cur:
        # Give a the strip of b near a, and b loses exactly that strip.
        cur.execute(
            """
            WITH strip AS (SELECT ST_Intersection(b.boundary, ST_Buffer(a.boundary, 0.0003),
                                                  1e-7) AS s, a.boundary AS ga, b.boundary AS gb
                           FROM grids_area a, grids_area b WHERE a.id = %s AND b.id = %s)
            SELECT ST_AsGeoJSON(ST_Union(ga, s, 1e-7)), ST_AsGeoJSON(ST_Difference(gb, s, 1e-7))
            FROM strip
            """,
            [a.id, b.id],
        )
        new_a, new_b = cur.fetchone()
    geojson = _feature_collection(tmp_path / "pair.geojson", [(a.code, new_a), (b.code, new_b)])
    shp = tmp_path / "pair.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shp), geojson], check=True)
    old_area = Area.objects.get(pk=a.pk).area_m2
    out = StringIO()
    call_command("import_boundaries", str(shp), stdout=out, stderr=StringIO())
    assert "updated 2 boundaries" in out.getvalue()
    a2 = Area.objects.get(pk=a.pk)
    assert a2.area_m2 > old_area
    assert LocateCell.objects.filter(area=a2).exists()
    log = AuditLog.objects.filter(action="area.boundary_import", object_id=str(a.pk)).get()
    assert log.changes["boundary"][0] != log.changes["boundary"][1]
    assert log.area_path == a.path
