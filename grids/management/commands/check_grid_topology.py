from django.core.management.base import BaseCommand, CommandError

from grids.models import Area
from grids.topology import DEFAULT_MIN_AREA_M2, check_topology


class Command(BaseCommand):
    help = (
        "检查区域拓扑:下级是否超出上级、同级是否重叠、是否有缝隙;发现问题时以非零状态退出。"
        " Checks children inside parent, disjoint siblings and gaps; exits 1 on problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", help="区划代码,检查其下全部区域 (default: everything)")
        parser.add_argument(
            "--min-area",
            type=float,
            default=DEFAULT_MIN_AREA_M2,
            help="忽略小于该面积(平方米)的碎片 ignore slivers below (m²)",
        )

    def handle(self, *args, area, min_area, **options):
        prefix = ""
        if area:
            found = Area.objects.filter(code=area.ljust(12, "0") if len(area) < 12 else area)
            node = found.only("path", "name").first()
            if node is None:
                raise CommandError(f"未找到区域 no area with code {area}")
            prefix = node.path
        problems = check_topology(path_prefix=prefix, min_area_m2=min_area)
        for p in problems:
            self.stdout.write(p.describe())
        if problems:
            self.stderr.write(f"发现 {len(problems)} 个拓扑问题 {len(problems)} topology problems")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("拓扑检查通过 topology OK"))
