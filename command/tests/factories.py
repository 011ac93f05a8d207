"""Helpers of the command tests: events reported through the real service, plans built
through the plan service."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from command.plans import plan_create
from events.models import EventCategory
from events.services import event_report
from events.tests.factories import jpeg_bytes
from grids.models import Area

GRID = "220102001001001"  # a grid of 南关区
NANGUAN = "220102000000"
KUANCHENG = "220103000000"


def photo(name="scene.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes((16, 16)), content_type="image/jpeg")


def event_make(*, actor, grid: Area, lng=None, lat=None, code="0303", urgency="critical", **kw):
    point = grid.centroid
    return event_report(
        actor=actor,
        title=kw.pop("title", "燃气泄漏"),
        category=EventCategory.objects.get(code=code),
        lng=point.x if lng is None else lng,
        lat=point.y if lat is None else lat,
        description="测试",
        urgency=urgency,
        **kw,
    )


def plan_make(*, actor, area_code=NANGUAN, code="03", steps=None, **kw):
    steps = steps or [
        {"title": "网格员赶赴现场", "role": "grid_worker", "offset": 2, "offset_unit": "hours"},
        {
            "title": "乡镇街道组织处置",
            "unit_level": 4,
            "offset": 2,
            "offset_unit": "workdays",
            "checklist": ["疏散群众", "设置警戒"],
        },
    ]
    return plan_create(
        actor=actor,
        area=Area.objects.get(code=area_code),
        name=kw.pop("name", "燃气泄漏处置预案"),
        category=EventCategory.objects.get(code=code) if code else None,
        min_urgency=kw.pop("min_urgency", "urgent"),
        steps=steps,
        contacts=[{"name": "值班室", "phone": "0431-88888888"}],
        **kw,
    )
