from django.core.management.base import BaseCommand
from django.utils import timezone

from workcalendar import official
from workcalendar.models import DayKind
from workcalendar.selectors import calendar_day_list
from workcalendar.services import calendar_seed


class Command(BaseCommand):
    help = (
        "从 chinese-calendar 软件包写入法定节假日和调休上班日(可重复运行,保留手工维护的日期)。"
        " Seeds official holidays and make-up working days from the chinese-calendar package"
        " (idempotent; days set by hand are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years",
            type=int,
            nargs="+",
            metavar="YEAR",
            help="年份 years (default: 今年和明年 this year and next)",
        )

    def handle(self, *args, years, **options):
        if not years:
            this_year = timezone.localdate().year
            years = [this_year, this_year + 1]
        supported = official.supported_years()
        for year in sorted(set(years)):
            if year not in supported:
                # A warning, not a failure: the next year's notice comes out in November
                # and the package some time later; until then the rest still seeds.
                self.stderr.write(
                    self.style.WARNING(
                        f"警告:{official.SOURCE} 不包含 {year} 年的节假日安排"
                        f"(已知 {supported.start}–{supported.stop - 1} 年),未写入;"
                        f"请升级该软件包或由管理员手工维护。"
                        f" Warning: {official.SOURCE} does not know the holidays of {year}"
                        f" (it knows {supported.start}-{supported.stop - 1}); nothing seeded"
                        f" for {year}. Upgrade the package or set the days by hand."
                    )
                )
                continue
            total = calendar_seed(years=[year])
            days = calendar_day_list(year=year)
            holidays = days.filter(kind=DayKind.HOLIDAY).count()
            makeups = days.filter(kind=DayKind.MAKEUP_WORKDAY).count()
            self.stdout.write(
                f"{year} 年:{total} 个例外日来自 {official.SOURCE};现有节假日 {holidays} 天,"
                f"调休上班 {makeups} 天。 {year}: {total} exception days from"
                f" {official.SOURCE}; now {holidays} holidays, {makeups} make-up working days."
            )
