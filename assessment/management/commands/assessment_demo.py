"""A sample assessment on the demo data: scoring rules, an indicator system over the
events' named figures, and a yearly scheme of the areas one level under an area,
computed. Run after load_demo_province; running it again only recomputes."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessment.compute import scheme_compute
from assessment.models import IndicatorSystem, Rule, Scheme
from assessment.services import indicator_system_create, rule_create, scheme_create
from grids.models import Area

RULES = [
    ("办结率线性", "linear", {"low": 60, "high": 100}),
    (
        "超期率分档",
        "bands",
        {
            "direction": "lower",
            "bands": [
                {"bound": 2, "ratio": 1},
                {"bound": 5, "ratio": 0.8},
                {"bound": 10, "ratio": 0.5},
            ],
        },
    ),
    ("按期办结率排名", "rank", {"tiers": [{"top_pct": 30, "ratio": 1}], "rest": 0.7}),
    ("满意率线性", "linear", {"low": 70, "high": 100}),
    ("超期积压否决", "veto", {"threshold": 200}),
]

ROWS = [
    {"code": "1", "name": "矛盾纠纷化解", "weight": 60},
    {"code": "1.1", "name": "事件办结率", "parent": "1", "weight": 40, "kind": "result"}
    | {"source": "figure", "figure": "events.closure_rate", "rule": "办结率线性"},
    {"code": "1.2", "name": "事件超期率", "parent": "1", "weight": 30, "kind": "process"}
    | {"source": "figure", "figure": "events.overdue_rate", "rule": "超期率分档"},
    {"code": "1.3", "name": "按期办结率", "parent": "1", "weight": 30, "kind": "process"}
    | {"source": "figure", "figure": "events.on_time_rate", "rule": "按期办结率排名"},
    {"code": "1.4", "name": "超期积压", "parent": "1", "weight": 0, "kind": "process"}
    | {"source": "figure", "figure": "events.overdue", "rule": "超期积压否决"},
    {"code": "2", "name": "群众满意", "weight": 40},
    {"code": "2.1", "name": "群众满意率", "parent": "2", "weight": 70, "kind": "third_party"}
    | {"source": "figure", "figure": "events.satisfaction", "rule": "满意率线性"},
    {"code": "2.2", "name": "工作台账", "parent": "2", "weight": 30, "kind": "process"}
    | {"source": "manual"},
]


class Command(BaseCommand):
    help = "Create and compute a sample assessment scheme on the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--area", default="220100000000", help="the assessing area's code")

    def handle(self, *args, area, **options):
        place = Area.objects.filter(code=area).first()
        if place is None or place.level >= 6:
            raise CommandError(f"no area {area} above the grids")
        for name, kind, params in RULES:
            if not Rule.objects.filter(name=name).exists():
                rule_create(actor=None, name=name, kind=kind, params=params)
        system = IndicatorSystem.objects.filter(name="平安建设示例指标体系").first()
        if system is None:
            system = indicator_system_create(
                actor=None, name="平安建设示例指标体系", rows=[dict(r) for r in ROWS]
            )
        year = timezone.localdate().year
        name = f"{year}年度{place.name}平安建设考核(示例)"
        scheme = Scheme.objects.filter(name=name, area=place).first() or scheme_create(
            actor=None,
            name=name,
            system=system,
            area=place,
            period_kind="year",
            period_start=timezone.localdate().replace(month=1, day=1),
            object_level=place.level + 1,
            publish_ranking=True,
        )
        revision = scheme_compute(actor=None, scheme=scheme)
        self.stdout.write(
            f"{scheme.name}: revision {revision.number}, {revision.results.count()} objects"
        )
