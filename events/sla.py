"""Time limits of a case on the Chinese working-day calendar (workcalendar app).

Each step has a deadline (`step_deadline`); handling also has an overall deadline
(`deadline`) that keeps running through returns and reopenings. A suspended case
(挂起) does not age: on resume both deadlines move by the working time it spent
suspended.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from workcalendar.workdays import get_calendar

from .models import OPEN_STATUSES, DueState, Event

# A step is near due (临期) once 80 % of its time is used.
NEAR_DUE_FRACTION = 0.8


def _deadline_for(event: Event, step: str, start):
    cal = get_calendar()
    c = event.category
    if step in ("accept", "decide", "sign"):
        return cal.add_work_hours(start, c.accept_hours)
    if step == "verify":
        return cal.add_workdays(start, c.verify_days)
    if step == "handle":
        return cal.add_workdays(start, c.handle_days)
    raise ValueError(step)


def start_step(event: Event, step: str) -> None:
    now = timezone.now()
    event.step_started_at = now
    event.step_deadline = _deadline_for(event, step, now)
    event.due_state = DueState.ON_TIME


def start_handling(event: Event) -> None:
    now = timezone.now()
    if event.deadline is None:
        event.deadline = _deadline_for(event, "handle", now)
    event.step_started_at = now
    event.step_deadline = event.deadline
    event.due_state = evaluate(event, now)


def resume_handling(event: Event) -> None:
    """Back to handling after a failed verification: the original deadline counts."""
    event.step_started_at = event.step_started_at or timezone.now()
    event.step_deadline = event.deadline
    event.due_state = evaluate(event, timezone.now())


def stop(event: Event) -> None:
    event.step_deadline = None


def suspend(event: Event) -> None:
    event.suspended_at = timezone.now()


def resume(event: Event) -> None:
    """Move the deadlines by the working time spent suspended."""
    cal = get_calendar()
    now = timezone.now()
    paused = cal.work_time_between(event.suspended_at, now)
    for field in ("step_deadline", "deadline"):
        value = getattr(event, field)
        if value is not None:
            setattr(event, field, cal.add_work_time(value, paused))
    event.suspended_at = None
    event.suspend_reason = ""
    event.due_state = evaluate(event, now)


def evaluate(event: Event, now) -> str:
    if event.step_deadline is None or event.suspended_at is not None:
        return event.due_state
    if now > event.step_deadline:
        return DueState.OVERDUE
    started = event.step_started_at or now
    if now >= started + (event.step_deadline - started) * NEAR_DUE_FRACTION:
        return DueState.NEAR_DUE
    return DueState.ON_TIME


def mark_due_states(now=None, *, before_update=None) -> dict[str, list[int]]:
    """Set-based: flag every open, running case that became near due or overdue.

    Returns the ids newly flagged per state, so the caller can trace and notify.
    `before_update(ids)` runs after the cases are locked and before their state changes
    (the rollups retract the cells of the old state there).
    """
    now = now or timezone.now()
    statuses = [str(s) for s in OPEN_STATUSES]
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT id FROM events_event
            WHERE status = ANY(%s) AND suspended_at IS NULL AND step_deadline < %s
              AND due_state <> 'overdue'
            ORDER BY id FOR UPDATE
            """,
            [statuses, now],
        )
        overdue = [r[0] for r in cur.fetchall()]
        cur.execute(
            """
            SELECT id FROM events_event
            WHERE status = ANY(%s) AND suspended_at IS NULL AND due_state = 'on_time'
              AND step_deadline >= %s
              AND %s >= step_started_at + (step_deadline - step_started_at) * %s
            ORDER BY id FOR UPDATE
            """,
            [statuses, now, now, NEAR_DUE_FRACTION],
        )
        near_due = [r[0] for r in cur.fetchall()]
        if before_update is not None:
            before_update(overdue + near_due)
        for state, ids in ((DueState.OVERDUE, overdue), (DueState.NEAR_DUE, near_due)):
            if ids:
                cur.execute(
                    "UPDATE events_event SET due_state = %s WHERE id = ANY(%s)", [str(state), ids]
                )
    return {DueState.OVERDUE: overdue, DueState.NEAR_DUE: near_due}
