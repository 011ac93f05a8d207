"""The events' facts for the rollups (governance/figures.py) and their named figures.

Every case counts on the day it was reported, in its grid (area_path), once per dimension
(status, category, source, urgency); overdue open cases once more under `events.overdue`;
closed cases on the day they were closed under `events.closed`."""

from django.utils.translation import gettext_lazy as _

from governance.figures import figure_register, figure_source_register

from .models import OPEN_STATUSES, Event, Status

SOURCE = "events"
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
_DAY = "(t.reported_at AT TIME ZONE '{tz}')::date"

SQL = f"""
SELECT {_DAY} AS day, t.area_path, f.figure, f.key
FROM {Event._meta.db_table} t CROSS JOIN LATERAL (VALUES
    ('events.status', t.status), ('events.category', t.category_id::text),
    ('events.source', t.source), ('events.urgency', t.urgency)) AS f (figure, key)
WHERE {{where}}
UNION ALL
SELECT {_DAY}, t.area_path, 'events.overdue', ''
FROM {Event._meta.db_table} t
WHERE t.due_state = 'overdue' AND t.status IN ({_OPEN}) AND {{where}}
UNION ALL
SELECT (t.closed_at AT TIME ZONE '{{tz}}')::date, t.area_path, 'events.closed', ''
FROM {Event._meta.db_table} t WHERE t.closed_at IS NOT NULL AND {{where}}"""

# A merged duplicate is counted in the case it was merged into.
_NOT_COUNTED = (Status.MERGED,)


def register() -> None:
    figure_source_register(SOURCE, SQL)
    figure_register(
        "events.total",
        label=_("事件总数"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.status", exclude=_NOT_COUNTED),
        description=_("上报的全部事件(合并的重复件不计)"),
    )
    figure_register(
        "events.open",
        label=_("在办事件"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.status", keys=OPEN_STATUSES),
        description=_("待受理、已受理、已分派、办理中、已办结待核查的事件"),
    )
    figure_register(
        "events.overdue",
        label=_("超期事件"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.overdue"),
        description=_("在办且已超过本环节时限的事件"),
    )
    figure_register(
        "events.today",
        label=_("今日上报"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.status", exclude=_NOT_COUNTED, today=True),
        description=_("今天(北京时间)上报的事件"),
    )
    figure_register(
        "events.overdue_rate",
        label=_("超期率"),
        unit="%",
        source=SOURCE,
        formula=lambda c: (
            round(100 * c.sum("events.overdue") / n, 1)
            if (n := c.sum("events.status", keys=OPEN_STATUSES))
            else 0.0
        ),
        description=_("超期事件占在办事件的百分比"),
    )
