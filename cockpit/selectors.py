"""The cockpit's reads: named figures (governance/figures.py) over the rollups, never the
raw tables, for an area of the user's jurisdiction and its children. The panels' reads
(trend, breakdowns, timeliness, rankings) are in cockpit/panels.py.

Who sees which events figures (docs/cockpit.md, "department users"): a user whose
jurisdiction covers the area through any role other than a department handler's reads
every case of the area; a department handler only (reads the cases their department
was involved in, events.models.Event.scope_department_field) reads the figures keyed by
the holding department — the cases their department holds, or held when closed — and no
breakdown the rollups do not key by department (category, source, ratings…). Base data
is shown to both: `Person.objects.restrict` opens a department's area to its handlers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import NotFound
from governance.figures import CellRecorder, Cells, cells_read, figure_value
from governance.roles import Action, Role, roles_granting
from governance.scoping import user_role_rows
from grids.models import Area

CODE = re.compile(r"^[0-9]{6,15}$")

# The summary's counts: field of the answer -> named figure.
SUMMARY_FIGURES = {
    "people": "people.total",
    "houses": "houses.total",
    "organisations": "organisations.total",
    "places": "places.total",
    "events_total": "events.total",
    "events_open": "events.open",
    "events_overdue": "events.overdue",
    "events_today": "events.today",
    # added for the panels and the map's colouring (the contract above is unchanged)
    "people_special": "people.special",
    "houses_rented": "houses.rented",
    "things_hazard": "things.hazard",
    "events_near_due": "events.near_due",
    "events_closed": "events.closed",
    "events_overdue_rate": "events.overdue_rate",
    "events_closure_rate": "events.closure_rate",
    "events_on_time_rate": "events.on_time_rate",
    "events_satisfaction": "events.satisfaction",
}


@dataclass(frozen=True)
class Audience:
    """Whose cases the events figures count: every case of the area (`departments` None)
    or only those held by the user's departments (a department handler)."""

    departments: tuple[str, ...] | None = None  # department ids, as the rollups' keys

    @property
    def kind(self) -> str:
        return "area" if self.departments is None else "department"


def cockpit_audience(*, user, area: Area) -> Audience:
    granting = roles_granting(Action.VIEW)
    rows = [r for r in user_role_rows(user) if r[0] in granting and area.path.startswith(r[2])]
    if any(role != Role.DEPARTMENT_HANDLER for role, *_rest in rows):
        return Audience()
    return Audience(tuple(sorted({str(dept) for *_rest, dept in rows if dept})))


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _dept(figure: str):
    return lambda c, keys: c.sum(figure, keys=keys)


# The events' named figures as a department reads them: over the figures keyed by the
# holding department (events/figures.py). None: not kept per department.
DEPARTMENT_FORMULAS = {
    "events.total": _dept("events.department"),
    "events.open": _dept("events.open_department"),
    "events.overdue": _dept("events.overdue"),
    "events.near_due": _dept("events.near_due"),
    "events.today": lambda c, keys: c.sum("events.department", keys=keys, today=True),
    "events.closed": _dept("events.closed"),
    "events.overdue_rate": lambda c, keys: _pct(
        c.sum("events.overdue", keys=keys), c.sum("events.open_department", keys=keys)
    ),
    # closed of all held (a merged or rejected case held by the department counts as held)
    "events.closure_rate": lambda c, keys: _pct(
        c.sum("events.closed", keys=keys), c.sum("events.department", keys=keys)
    ),
    "events.on_time_rate": lambda c, keys: _pct(
        c.sum("events.closed", keys=keys) - c.sum("events.closed_late", keys=keys),
        c.sum("events.closed", keys=keys),
    ),
}


def audience_value(name: str, cells: Cells, audience: Audience):
    """A named figure of `cells` as `audience` may read it (None: not available to it)."""
    if audience.departments is None or not name.startswith("events."):
        return figure_value(name, cells)
    formula = DEPARTMENT_FORMULAS.get(name)
    return formula(cells, audience.departments) if formula else None


def audience_inputs(names, audience: Audience, *, today: bool = False) -> list[str]:
    """The cell figures that `names`, as `audience` reads them, need: what to fetch (with
    `today`, those read for today only)."""
    recorder = CellRecorder()
    for name in names:
        audience_value(name, recorder, audience)
    return sorted(recorder.read_today if today else recorder.read)


def cockpit_area(*, user, code: str | None) -> Area:
    """The area asked for (default: the top of the user's jurisdiction). Only areas of the
    jurisdiction: an ancestor's total would hold a neighbour's counts."""
    areas = Area.objects.restrict(user).only("id", "code", "name", "level", "path")
    if code is None or code == "":
        area = areas.order_by("level", "code").first()
    else:
        if not CODE.match(code):
            raise ValidationError(
                _("区划代码格式不正确(6 到 15 位数字)。/ Malformed area code (6 to 15 digits)."),
                code="invalid_area",
            )
        area = areas.filter(code=code).first()
    if area is None:
        raise NotFound(_("区域不存在或不在您的管辖范围内。"))
    return area


def area_head(area: Area) -> dict:
    return {"code": area.code, "name": area.name, "level": area.level}


def cockpit_summary(*, user, code: str | None) -> dict:
    area = cockpit_area(user=user, code=code)
    audience = cockpit_audience(user=user, area=area)
    now = timezone.now()
    whole, by_child = cells_read(
        area.path,
        level=area.level,
        today=timezone.localdate(now),
        figures=audience_inputs(SUMMARY_FIGURES.values(), audience),
        today_figures=audience_inputs(SUMMARY_FIGURES.values(), audience, today=True),
    )
    children = []
    for child in Area.objects.filter(parent=area).only("code", "name").order_by("code"):
        cells = by_child.get(child.code)
        children.append({"code": child.code, "name": child.name, **_counts(cells, audience)})
    return {
        "area": area_head(area),
        "audience": audience.kind,
        "as_of": now,
        **_counts(whole, audience),
        "children": children,
    }


def _counts(cells, audience: Audience) -> dict:
    cells = cells if cells is not None else Cells()
    return {field: audience_value(name, cells, audience) for field, name in SUMMARY_FIGURES.items()}
