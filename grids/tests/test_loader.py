"""The demo loader at one-county scale (the session already loaded 南关区 and 宽城区)."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from grids.loader import is_functional_zone, read_divisions
from grids.models import Area
from grids.topology import check_topology
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def test_real_names_and_codes_of_every_township_and_village():
    divisions = read_divisions("22")
    expected = {
        r["code"]: r["name"]
        for r in divisions
        if r["code"].startswith("220102") and r["level"] in ("4", "5")
    }
    loaded = dict(
        Area.objects.filter(code__startswith="220102", level__in=[4, 5]).values_list("code", "name")
    )
    assert loaded == expected
    assert Area.objects.get(code="220102001000").name == "南岭街道"
    assert Area.objects.get(code=NANGUAN).name == "南关区"


def test_codes_follow_the_six_level_scheme():
    for area in Area.objects.filter(code__startswith="220102").only("code", "level", "path"):
        assert len(area.code) == (15 if area.level == 6 else 12)
        assert area.path.endswith(area.code + "/")
        assert len(area.ancestor_codes) == area.level
    grid = Area.objects.filter(level=6).first()
    assert re.fullmatch(r"\d{12}\d{3}", grid.code)
    assert grid.code[:12] == grid.parent.code


def test_grids_partition_each_county_exactly():
    for code in (NANGUAN, KUANCHENG):
        county = Area.objects.get(code=code)
        assert check_topology(path_prefix=county.path) == []
        with connection.cursor() as cur:
            cur.execute(
                "SELECT sum(area_m2) FROM grids_area WHERE level = 6 AND path LIKE %s",
                [county.path + "%"],
            )
            grids_m2 = cur.fetchone()[0]
        # Hairline snapping differences (1-cm grid) add up to a few parts per million.
        assert grids_m2 == pytest.approx(county.area_m2, rel=2e-5)


def test_real_county_boundary_was_converted_from_gcj02():
    import shapely

    from grids.crs import gcj02_to_wgs84
    from grids.loader import boundary_dir

    raw = shapely.from_geojson((boundary_dir() / "220102.geojson").read_text())
    county = Area.objects.get(code=NANGUAN)
    stored = shapely.from_wkb(bytes(county.boundary.wkb))
    # The stored polygon is the AMap one moved by the GCJ-02 offset (~1 km here).
    expect = gcj02_to_wgs84(raw.centroid.x, raw.centroid.y)
    assert stored.centroid.distance(shapely.Point(expect)) < 1e-3  # offset varies a little
    assert stored.centroid.distance(raw.centroid) > 0.005
    assert 450e6 < county.area_m2 < 600e6  # 南关区: about 500 km²


def test_every_village_has_about_four_grids_and_derived_geometry():
    villages = Area.objects.filter(level=5, code__startswith="220102")
    for v in villages[:20]:
        assert v.children.count() == 4
    assert not Area.objects.filter(
        code__startswith="22010", boundary__isnull=False, centroid__isnull=True
    ).exists()
    assert not Area.objects.filter(
        code__startswith="22010", boundary__isnull=False, boundary_simple__isnull=True
    ).exists()


def test_loading_twice_changes_nothing():
    before = Area.objects.count()
    call_command(
        "load_demo_province",
        "--county",
        "220102",
        "--no-users",
        verbosity=0,
        stdout=open("/dev/null", "w"),
    )
    assert Area.objects.count() == before


def test_development_zone_is_loaded_without_territory():
    call_command(
        "load_demo_province", "--county", "220171", "--no-users", stdout=open("/dev/null", "w")
    )
    zone = Area.objects.get(code="220171000000")
    assert is_functional_zone(zone.code) and not zone.has_territory
    assert zone.boundary is None
    townships = Area.objects.filter(parent=zone)
    assert townships.exists() and not townships.filter(has_territory=True).exists()
    assert not Area.objects.filter(level=6, code__startswith="220171").exists()


def test_unknown_county_is_a_clear_error():
    with pytest.raises(CommandError, match="unknown county"):
        call_command("load_demo_province", "--county", "229999", stdout=open("/dev/null", "w"))


def test_loader_reports_progress(capsys):
    from io import StringIO

    out = StringIO()
    call_command("load_demo_province", "--county", "220102", "--no-users", stdout=out)
    text = out.getvalue()
    assert "建立六级区域树" in text and "网格" in text and "done in" in text
