"""Writes on the area tree. Each owns its transaction and audit rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from governance.access import require
from governance.audit import audit_entry, audit_record, audit_records, diff, snapshot
from governance.roles import Action

from .geometry_sql import GRID_SIZE, rebuild_locate_cells, refresh_derived
from .models import Area, Level
from .topology import Problem, check_topology


def _require(actor, area: Area, action: str = Action.CONFIGURE) -> None:
    require(actor, area, action, message=_("您无权修改该区域:%(name)s。") % {"name": area.name})


@transaction.atomic
def area_rename(*, actor, area: Area, name: str) -> Area:
    _require(actor, area)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("名称不能为空。"), code="required")
    before = snapshot(area, ["name"])
    area.name = name
    area.save(update_fields=["name", "updated_at"])
    audit_record(
        actor=actor,
        action="area.rename",
        obj=area,
        changes=diff(before, snapshot(area, ["name"])),
        area_path=area.path,
    )
    return area


class BoundaryImportRejected(ValidationError):
    """The file breaks the topology or names unknown areas; nothing was written."""

    def __init__(self, message: str, *, errors: list[str], problems: list[Problem]):
        super().__init__(message, code="rejected")
        self.errors = errors
        self.problems = problems

    def report(self) -> str:
        lines = [*self.errors, *(p.describe() for p in self.problems)]
        return "\n".join(lines)


@dataclass
class BoundaryImportResult:
    updated: list[str] = field(default_factory=list)
    locate_cells: int = 0


@transaction.atomic
def boundaries_import(
    *, actor, features: list[tuple[str, str]], source: str = "", min_area_m2: float = 1.0
) -> BoundaryImportResult:
    """Replace the boundaries of the areas named by `features` ((code, WKB hex, WGS84)).

    The new boundaries are written, the topology of every parent touched is checked
    in the same transaction, and any problem rolls everything back.
    """
    errors: list[str] = []
    codes = [code for code, _wkb in features]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        errors.append(_("文件中区划代码重复:%(c)s") % {"c": ", ".join(dupes)})
    areas = {a.code: a for a in Area.objects.filter(code__in=codes).defer("boundary_simple")}
    unknown = [c for c in codes if c not in areas]
    if unknown:
        errors.append(_("未知区划代码:%(c)s") % {"c": ", ".join(unknown[:20])})
    for area in areas.values():
        try:
            _require(actor, area)
        except ValidationError as exc:
            errors.append(exc.messages[0])
    if errors:
        raise BoundaryImportRejected(
            _("边界文件被拒绝,未写入任何数据。"), errors=errors, problems=[]
        )

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE import_boundary (code varchar(15) PRIMARY KEY, wkb text) "
            "ON COMMIT DROP"
        )
        cur.executemany("INSERT INTO import_boundary VALUES (%s, %s)", features)
        cur.execute(
            """
            SELECT code FROM import_boundary
            WHERE NOT ST_IsValid(ST_GeomFromWKB(decode(wkb, 'hex'), 4326))
               OR GeometryType(ST_GeomFromWKB(decode(wkb, 'hex'), 4326))
                  NOT IN ('POLYGON', 'MULTIPOLYGON')
            """
        )
        invalid = [r[0] for r in cur.fetchall()]
        if invalid:
            raise BoundaryImportRejected(
                _("边界文件被拒绝,未写入任何数据。"),
                errors=[_("几何图形无效或不是面:%(c)s") % {"c": ", ".join(invalid)}],
                problems=[],
            )
        cur.execute(
            """
            UPDATE grids_area a SET updated_at = now(),
              boundary = ST_Multi(ST_CollectionExtract(ST_ReducePrecision(
                  ST_GeomFromWKB(decode(i.wkb, 'hex'), 4326), %s), 3))
            FROM import_boundary i WHERE a.code = i.code
            """,
            [GRID_SIZE],
        )
    touched = list(areas.values())
    parent_ids = {a.parent_id for a in touched if a.parent_id} | {a.id for a in touched}
    problems = check_topology(parent_ids=parent_ids, min_area_m2=min_area_m2)
    if problems:
        raise BoundaryImportRejected(
            _("边界不符合拓扑规则,未写入任何数据。"), errors=[], problems=problems
        )

    ids = [a.id for a in touched]
    refresh_derived(path_prefix="", ids=ids)
    result = BoundaryImportResult(updated=sorted(areas))
    result.locate_cells = rebuild_locate_cells(
        path_prefix="", ids=[a.id for a in touched if a.level == Level.GRID]
    )
    fresh = {a.code: a for a in Area.objects.filter(id__in=ids).only("code", "boundary")}
    audit_records(
        [
            audit_entry(
                actor=actor,
                action="area.boundary_import",
                obj=a,
                area_path=a.path,
                changes={
                    **diff(snapshot(a, ["boundary"]), snapshot(fresh[a.code], ["boundary"])),
                    "source": [None, source],
                },
            )
            for a in touched
        ]
    )
    return result
