"""The cockpit's reads: named figures (governance/figures.py) over the rollups, never the
raw tables, for an area of the user's jurisdiction and its children."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import NotFound
from governance.figures import cells_read, figure_value
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
}


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


def cockpit_summary(*, user, code: str | None) -> dict:
    area = cockpit_area(user=user, code=code)
    now = timezone.now()
    whole, by_child = cells_read(area.path, level=area.level, today=timezone.localdate(now))
    children = []
    for child in Area.objects.filter(parent=area).only("code", "name").order_by("code"):
        cells = by_child.get(child.code)
        children.append({"code": child.code, "name": child.name, **_counts(cells)})
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "as_of": now,
        **_counts(whole),
        "children": children,
    }


def _counts(cells) -> dict:
    if cells is None:
        return dict.fromkeys(SUMMARY_FIGURES, 0)
    return {field: figure_value(name, cells) for field, name in SUMMARY_FIGURES.items()}
