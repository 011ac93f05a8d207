"""Point → grid lookup, the contract behind GET /api/v1/areas/locate/."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.db import connection

from .crs import CRS_CHOICES, to_wgs84

# The lookup lives in the SQL function grids_locate (migration grids/0002): the
# subdivided pieces find the grid through their GiST index, the ancestors come from
# five parent joins, and the plan is cached instead of re-planned for every point.
LOCATE_SQL = "SELECT code, name, level, path, ancestors FROM grids_locate(%s, %s)"


class LocateError(ValueError):
    """Bad input to locate; `code` is the machine-readable reason."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LocateResult:
    code: str
    name: str
    level: int
    path: list[dict]  # province first, the grid itself last
    area_path: str  # materialized path, for jurisdiction checks
    lng: float  # the WGS84 point that was looked up
    lat: float


def parse_point(lng, lat, crs="wgs84") -> tuple[float, float, str]:
    """Validate raw input; raise LocateError with a bilingual message."""
    if lng in (None, "") or lat in (None, ""):
        raise LocateError("缺少经度或纬度参数 lng/lat are required", "required")
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        raise LocateError("经纬度必须是数字 lng/lat must be numbers", "invalid") from None
    if (
        not (math.isfinite(x) and math.isfinite(y))
        or not (-180 <= x <= 180)
        or not (-90 <= y <= 90)
    ):
        raise LocateError(
            "经纬度超出范围(经度 -180~180,纬度 -90~90) lng/lat out of range", "out_of_range"
        )
    crs = (crs or "wgs84").lower()
    if crs not in CRS_CHOICES:
        raise LocateError(
            "坐标系须为 wgs84、gcj02 或 bd09 crs must be wgs84|gcj02|bd09", "invalid_crs"
        )
    return x, y, crs


def locate(lng: float, lat: float, crs: str = "wgs84") -> LocateResult | None:
    """The grid containing the point, with its ancestors; None outside every grid."""
    x, y = to_wgs84(lng, lat, crs)
    with connection.cursor() as cur:
        cur.execute(LOCATE_SQL, [x, y])
        row = cur.fetchone()
    if row is None:
        return None
    code, name, level, path, ancestors = row
    if isinstance(ancestors, str):
        ancestors = json.loads(ancestors)
    return LocateResult(
        code=code, name=name, level=level, path=ancestors, area_path=path, lng=x, lat=y
    )
