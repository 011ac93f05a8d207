"""The objects a scheme assesses: every area of one level under the scheme's area, or
the departments (牵头部门) under it — each with the path its figures are read at."""

from __future__ import annotations

from dataclasses import dataclass

from governance.models import Department
from grids.models import Area


@dataclass(frozen=True)
class AssessedObject:
    code: str
    name: str
    path: str  # the area's path (a department's: its area's)
    department_id: int | None = None


def scheme_objects(scheme) -> list[AssessedObject]:
    if scheme.object_kind == "department":
        rows = Department.objects.filter(area__path__startswith=scheme.area_path).values_list(
            "code", "name", "area__path", "id"
        )
        return [AssessedObject(c, n, p, i) for c, n, p, i in rows.order_by("code")]
    rows = Area.objects.filter(
        path__startswith=scheme.area_path, level=scheme.object_level
    ).values_list("code", "name", "path")
    return [AssessedObject(c, n, p) for c, n, p in rows.order_by("code")]
