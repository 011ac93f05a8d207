"""The working-day calendar: only the exceptions to "Monday–Friday work" are stored."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班")


class CalendarDay(models.Model):
    """A day that breaks the weekly rule, or a named rest day inside a holiday block.

    Weekdays work unless stored as a holiday; Saturdays and Sundays rest unless stored
    as a make-up working day (调休上班). Ordinary days are never stored. A weekend day
    inside a holiday block (国庆节 10月4日, a Saturday) is stored as a holiday too: it
    changes nothing for the arithmetic, but the State Council notice names it and the
    calendar page can show it.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    kind = models.CharField(_("类型"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    # "chinese-calendar==1.11.0" for seeded rows, "manual:<username>" for rows an
    # administrator set; a re-seed replaces only the former.
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("日历例外日")
        verbose_name_plural = _("日历例外日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=DayKind.HOLIDAY, is_workday=False)
                | models.Q(kind=DayKind.MAKEUP_WORKDAY, is_workday=True),
                name="calendarday_kind_matches_is_workday",
            ),
            # A make-up working day on a weekday would mean nothing.
            models.CheckConstraint(
                condition=~models.Q(kind=DayKind.MAKEUP_WORKDAY)
                | models.Q(date__iso_week_day__gte=6),
                name="calendarday_makeup_on_weekend",
            ),
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name or self.get_kind_display()}"
