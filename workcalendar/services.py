"""Writes on the working-day calendar. Each owns its transaction, audit row and the
cache invalidation (on commit, so no process reloads rows that may still roll back)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record, diff
from governance.roles import Action

from . import official
from .models import CalendarDay, DayKind
from .workdays import calendar_changed

MANUAL_SOURCE_PREFIX = "manual:"
_FIELDS = ["is_workday", "kind", "name", "source"]


class CalendarYearUnknown(ValidationError):
    """The installed chinese-calendar does not know these years; nothing was written."""

    def __init__(self, *, years: list[int], supported: range):
        self.years = years
        self.supported = supported
        super().__init__(
            _(
                "chinese-calendar %(version)s 不包含 %(years)s 年的节假日安排(已知 %(first)s–"
                "%(last)s 年)。请在国务院办公厅公布安排后升级该软件包,或由管理员手工维护。"
            )
            % {
                "version": official.SOURCE.split("==")[-1],
                "years": "、".join(str(y) for y in years),
                "first": supported.start,
                "last": supported.stop - 1,
            },
            code="year_unknown",
        )


def _lock_calendar() -> None:
    """Serialise seeding and manual edits, so a seed never overwrites an edit made
    between its read and its upsert."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('workcalendar.calendarday'))")


def _state(day: CalendarDay | None, date: datetime.date) -> dict:
    """The audited fields; an unstored day shows the weekly rule."""
    if day is None:
        return {"is_workday": date.weekday() < 5, "kind": "", "name": "", "source": ""}
    return {f: getattr(day, f) for f in _FIELDS}


@transaction.atomic
def calendar_seed(*, years: list[int], actor=None) -> int:
    """Write the official exception days of `years` from the chinese-calendar package.

    Returns how many exception days those years now hold from the package. Rows an
    administrator set by hand are kept; package rows the package no longer lists are
    removed. Running it again changes nothing and writes no audit row. Raises
    `CalendarYearUnknown`, writing nothing, if any year is unknown to the package.
    """
    years = sorted(set(years))
    supported = official.supported_years()
    unknown = [y for y in years if y not in supported]
    if unknown:
        raise CalendarYearUnknown(years=unknown, supported=supported)
    _lock_calendar()
    stored = {d.date: d for d in CalendarDay.objects.filter(date__year__in=years)}
    wanted: list[CalendarDay] = []
    for y in years:
        for o in official.official_days(y):
            existing = stored.get(o.date)
            if existing is not None and existing.source.startswith(MANUAL_SOURCE_PREFIX):
                continue
            wanted.append(
                CalendarDay(
                    date=o.date,
                    is_workday=o.is_workday,
                    kind=o.kind,
                    name=o.name,
                    source=official.SOURCE,
                )
            )
    wanted_dates = {w.date for w in wanted}
    stale = [
        d.pk
        for d in stored.values()
        if d.source.startswith(official.PACKAGE) and d.date not in wanted_dates
    ]
    changed = [
        w
        for w in wanted
        if w.date not in stored or _state(stored[w.date], w.date) != _state(w, w.date)
    ]
    if not changed and not stale:
        return len(wanted)
    CalendarDay.objects.filter(pk__in=stale).delete()
    CalendarDay.objects.bulk_create(
        changed, update_conflicts=True, unique_fields=["date"], update_fields=_FIELDS
    )
    audit_record(
        actor=actor,
        action="calendar.seed",
        object_type=CalendarDay._meta.label_lower,
        object_repr=", ".join(str(y) for y in years),
        changes={"source": official.SOURCE, "written": len(changed), "removed": len(stale)},
    )
    transaction.on_commit(calendar_changed)
    return len(wanted)


def _require_calendar_admin(actor) -> None:
    # The calendar is national: only a province-level administrator (or the system) edits
    # it. Province paths have one segment, as in governance.selectors.audit_log_list.
    require(
        actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级系统管理员可以维护工作日历。")
    )


@transaction.atomic
def calendar_day_set(
    *, actor, date: datetime.date, is_workday: bool, name: str = ""
) -> CalendarDay | None:
    """Declare a day working or not, overriding the seeded calendar.

    Only exceptions are stored, so a weekday declared working, or a weekend day declared
    resting without a name, removes the stored row and returns None. Note that a later
    seed restores a package day whose row was removed this way.
    """
    _require_calendar_admin(actor)
    if isinstance(date, datetime.datetime) or not isinstance(date, datetime.date):
        raise ValidationError(_("请提供日期(不含时间)。"), code="invalid")
    name = (name or "").strip()
    if len(name) > CalendarDay._meta.get_field("name").max_length:
        raise ValidationError(_("名称过长。"), code="max_length")
    _lock_calendar()
    day = CalendarDay.objects.filter(date=date).first()
    before = _state(day, date)
    weekday = date.weekday() < 5
    ordinary = is_workday if weekday else (not is_workday and not name)
    if ordinary:
        if day is None:
            return None
        pk = day.pk
        day.delete()
        audit_record(
            actor=actor,
            action="calendar.set",
            obj=day,
            object_id=str(pk),
            changes=diff(before, _state(None, date)),
        )
        transaction.on_commit(calendar_changed)
        return None
    if day is not None and day.is_workday == is_workday and day.name == name:
        return day  # already so; a package row stays a package row
    if day is None:
        day = CalendarDay(date=date)
    day.is_workday = is_workday
    day.kind = DayKind.MAKEUP_WORKDAY if is_workday else DayKind.HOLIDAY
    day.name = name
    day.source = MANUAL_SOURCE_PREFIX + (actor.get_username() if actor is not None else "system")
    after = _state(day, date)
    day.save()
    audit_record(actor=actor, action="calendar.set", obj=day, changes=diff(before, after))
    transaction.on_commit(calendar_changed)
    return day
