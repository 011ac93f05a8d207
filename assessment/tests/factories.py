"""Fixtures of the assessment tests: rules and a small indicator system built through the
services, and cells of the figures layer for the objects (the rollups the calculation
reads, written as the figures layer stores them: at the object's own area path)."""

from __future__ import annotations

from datetime import date

from assessment.services import indicator_system_create, rule_create
from governance.models import FigureCount

NANGUAN = "220102000000"
PERIOD_DAY = date(2026, 3, 10)


def cell(area, figure: str, n: int, *, day: date = PERIOD_DAY, key: str = "") -> None:
    FigureCount.objects.create(
        day=day, area_path=area.path, parent_path=area.parent.path, figure=figure, key=key, n=n
    )


def rules_make(actor) -> None:
    rule_create(actor=actor, name="结案数线性", kind="linear", params={"low": 0, "high": 10})
    rule_create(actor=actor, name="超期扣分", kind="deduction", params={"per": 5, "floor": 10})
    rule_create(actor=actor, name="临期否决", kind="veto", params={"threshold": 1})


ROWS = [
    {"code": "A", "name": "办理质量", "weight": 60},
    {
        "code": "A1",
        "name": "结案数",
        "parent": "A",
        "weight": 50,
        "kind": "result",
        "source": "figure",
        "figure": "events.closed",
        "rule": "结案数线性",
    },
    {
        "code": "A2",
        "name": "超期",
        "parent": "A",
        "weight": 50,
        "kind": "process",
        "source": "figure",
        "figure": "events.overdue",
        "rule": "超期扣分",
    },
    {"code": "B", "name": "平安建设", "weight": 40},
    {"code": "B1", "name": "群众评议", "parent": "B", "weight": 100, "source": "manual"},
    {
        "code": "B2",
        "name": "临期否决",
        "parent": "B",
        "weight": 0,
        "source": "figure",
        "figure": "events.near_due",
        "rule": "临期否决",
    },
]


def system_make(actor, name="测试指标体系"):
    rules_make(actor)
    return indicator_system_create(actor=actor, name=name, rows=[dict(r) for r in ROWS])
