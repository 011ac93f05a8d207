import time

from django.core.management.base import BaseCommand, CommandError

from demo.collection import ensure_demo_collection
from demo.command import ensure_demo_command
from demo.events import ensure_demo_events
from demo.users import DEMO_PASSWORD, DEMO_TOTP_SECRET, ensure_demo_users
from grids.loader import DemoLoader, read_divisions, resolve_scope
from grids.models import Area


class Command(BaseCommand):
    help = (
        "载入演示省份(吉林省):真实的省、市、县边界与全部乡镇、村名称代码,生成乡镇、村、网格边界。"
        " Loads the demo province (Jilin). Default: one city (长春市 220100)."
    )

    def add_arguments(self, parser):
        scale = parser.add_mutually_exclusive_group()
        scale.add_argument("--city", help="load one city in full, e.g. 220100 (default)")
        scale.add_argument(
            "--county",
            action="append",
            default=[],
            help="load one county in full, e.g. 220102 (repeatable)",
        )
        scale.add_argument(
            "--province", action="store_true", help="load the whole province (~50,000 grids)"
        )
        parser.add_argument("--no-users", action="store_true", help="do not create demo users")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when grids are already loaded (used by make run)",
        )

    def handle(self, *args, city, county, province, no_users, if_empty, **options):
        say = self.stdout.write
        if if_empty and Area.objects.filter(level=6).exists():
            say("演示数据已存在,跳过载入 / demo data already loaded, skipping")
        else:
            divisions = read_divisions("22")
            try:
                scope = resolve_scope(divisions, city=city, counties=county, province=province)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            say(f"载入范围 scope: {len(scope.counties)} 个县级单位 county-level units")
            t0 = time.monotonic()
            counts = DemoLoader(scope, divisions, say).run()
            labels = {1: "省", 2: "市", 3: "县区", 4: "乡镇街道", 5: "村社区", 6: "网格"}
            summary = ", ".join(f"{labels[k]} {v}" for k, v in sorted(counts.items()))
            say(f"完成 done in {time.monotonic() - t0:.1f}s: {summary}")
        if not no_users:
            users = ensure_demo_users()
            made = ensure_demo_events()
            if made:
                say(f"示例事件 sample cases: {made}")
            if ensure_demo_collection():
                say("示例基础信息 sample base data: 华阳社区第1网格 (房屋、人口、标签、导入、核准)")
            if ensure_demo_command():
                say("示例应急预案与指令 sample contingency plans and a command (指挥调度)")
            say(f"演示账号 demo logins (密码 password: {DEMO_PASSWORD}):")
            for username, label, area in users:
                say(f"  {username:<20} {label}  {area}")
            say(
                "领导、管理员、审计员须在密码后输入动态口令 / leaders, admin and auditor enter a "
                "one-time code after the password:"
            )
            say(
                f"  演示密钥 demo TOTP secret: {DEMO_TOTP_SECRET}  (添加到身份验证器 add it to "
                "an authenticator app)"
            )
            say(
                "  或 or: .venv/bin/python manage.py demo_totp   (显示当前口令 prints the "
                "current code)"
            )
        # Figures of data written before the rollups existed (an older demo database) or
        # outside the services: re-derived now (set-based) rather than at the nightly repair.
        from governance.figures import figures_differences, figures_rebuild

        if figures_differences():
            cells = figures_rebuild()
            say(f"驾驶舱统计已重新汇总 cockpit figures re-derived: {cells} cells")
