"""Import area boundaries from GeoJSON or a Shapefile, refusing files that break the
topology (nothing is written then)."""

from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.core.management.base import BaseCommand, CommandError

from grids.crs import CRS_CHOICES, to_wgs84
from grids.services import BoundaryImportRejected, boundaries_import
from grids.topology import DEFAULT_MIN_AREA_M2


def read_features(path: str, code_field: str, crs: str) -> list[tuple[str, str]]:
    try:
        source = DataSource(path)
    except GDALException as exc:
        raise CommandError(f"无法读取文件 cannot read {path}: {exc}") from exc
    layer = source[0]
    if code_field not in layer.fields:
        raise CommandError(
            f"缺少区划代码字段 “{code_field}” missing field {code_field!r}; "
            f"fields: {', '.join(layer.fields)}"
        )
    wgs84 = SpatialReference(4326)
    out = []
    for feature in layer:
        geom = feature.geom
        if geom.srs is not None and geom.srs.srid not in (None, 4326):
            geom.transform(wgs84)
        if crs != "wgs84":  # shift GCJ-02 / BD-09 vertices back to WGS84
            geom = _shift(geom.geos, crs)
        else:
            geom = geom.geos
        code = str(feature.get(code_field)).strip()
        out.append(
            (code, geom.hexewkb.decode() if isinstance(geom.hexewkb, bytes) else geom.hexewkb)
        )
    return out


def _shift(geos_geom, crs):
    import numpy as np
    import shapely

    shp = shapely.from_wkb(bytes(geos_geom.wkb))

    def convert(xy):
        lng, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lng, lat])

    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(shapely.to_wkb(shapely.transform(shp, convert)), srid=4326)


class Command(BaseCommand):
    help = (
        "从 GeoJSON 或 Shapefile 导入区域边界;违反拓扑规则的文件将被拒绝且不写入任何数据。"
        " Import boundaries; a file that breaks the topology is refused whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--code-field", default="code", help="区划代码字段名 (default: code)")
        parser.add_argument(
            "--crs",
            choices=CRS_CHOICES,
            default="wgs84",
            help="坐标系 coordinate system of the file's vertices",
        )
        parser.add_argument("--min-area", type=float, default=DEFAULT_MIN_AREA_M2)

    def handle(self, *args, path, code_field, crs, min_area, **options):
        features = read_features(path, code_field, crs)
        if not features:
            raise CommandError("文件中没有要素 no features in file")
        try:
            result = boundaries_import(
                actor=None, features=features, source=path, min_area_m2=min_area
            )
        except BoundaryImportRejected as exc:
            self.stderr.write(exc.messages[0])
            self.stderr.write(exc.report())
            raise CommandError(
                "导入被拒绝,未写入任何数据 import refused, nothing written"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已更新 {len(result.updated)} 个区域边界,定位单元 {result.locate_cells} 个 "
                f"updated {len(result.updated)} boundaries"
            )
        )
