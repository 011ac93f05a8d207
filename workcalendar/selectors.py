"""Reads of the calendar. The calendar is national, so nothing here is scoped."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from .models import CalendarDay


def calendar_exceptions() -> list[tuple[datetime.date, bool, str]]:
    """(date, is_workday, name) of every stored day: a few dozen rows a year."""
    return list(CalendarDay.objects.order_by("date").values_list("date", "is_workday", "name"))


def calendar_day_list(*, year: int | None = None) -> QuerySet[CalendarDay]:
    days = CalendarDay.objects.order_by("date")
    if year is not None:
        days = days.filter(date__year=year)
    return days
