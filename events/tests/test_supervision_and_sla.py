import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from events.models import DueState, Status
from events.services import (
    EventActionError,
    event_resume,
    event_supervise,
    event_suspend,
    event_transition,
    events_mark_due,
    supervision_answer,
)

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")


def test_upper_level_puts_a_red_card_and_the_holder_answers(cast, reported):
    e = reported()
    event_transition(actor=cast.village, event=e, action="accept")
    card = event_supervise(
        actor=cast.dispatcher, event=e, colour="red", message="群众反映强烈,请今日回复", days=1
    )
    assert card.deadline > timezone.now()
    assert cast.village.notifications.filter(kind="event.supervise").exists()
    with pytest.raises(EventActionError):
        supervision_answer(actor=cast.worker, card=card, answer="x")  # not the holder
    supervision_answer(actor=cast.village, card=card, answer="已上门协调")
    card.refresh_from_db()
    assert card.answered_at is not None
    assert list(e.traces.values_list("action", flat=True))[-2:] == [
        "supervise",
        "supervision_answer",
    ]


def test_only_upper_levels_supervise(cast, reported):
    e = reported()
    for actor in (cast.village, cast.worker, cast.outsider):
        with pytest.raises(EventActionError):
            event_supervise(actor=actor, event=e, colour="yellow", message="快办")
    event_supervise(actor=cast.leader, event=e, colour="yellow", message="请关注")


def test_suspend_moves_the_deadline_by_the_working_time_suspended(cast, reported):
    from events.models import Event

    e = reported()
    event_transition(actor=cast.village, event=e, action="accept")
    event_transition(actor=cast.village, event=e, action="handle")
    e.refresh_from_db()
    deadline = e.deadline
    event_suspend(actor=cast.village, event=e, reason="等待鉴定结果")
    # Pretend it was suspended one working day ago (Monday 09:00 → Tuesday 09:00).
    monday = dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA)
    Event.objects.filter(pk=e.pk).update(suspended_at=monday)
    from unittest import mock

    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2026, 11, 24, 9, 0, tzinfo=CHINA)
    ):
        e = event_resume(actor=cast.village, event=e)
    assert e.suspended_at is None
    from workcalendar.workdays import get_calendar

    shifted = get_calendar().work_time_between(deadline, e.deadline)
    assert shifted == dt.timedelta(hours=get_calendar().office_day.total_seconds() / 3600)


def test_suspended_case_is_not_marked_overdue(cast, reported):
    from events.models import Event

    e = reported()
    event_transition(actor=cast.village, event=e, action="accept")
    event_suspend(actor=cast.village, event=e, reason="等待")
    Event.objects.filter(pk=e.pk).update(step_deadline=timezone.now() - dt.timedelta(hours=1))
    events_mark_due()
    e.refresh_from_db()
    assert e.due_state == DueState.ON_TIME


def test_overdue_and_near_due_marking(cast, reported):
    from events.models import Event

    late, soon, fine = reported(title="甲"), reported(title="乙"), reported(title="丙")
    now = timezone.now()
    Event.objects.filter(pk=late.pk).update(
        step_started_at=now - dt.timedelta(hours=10), step_deadline=now - dt.timedelta(minutes=1)
    )
    Event.objects.filter(pk=soon.pk).update(
        step_started_at=now - dt.timedelta(hours=9), step_deadline=now + dt.timedelta(hours=1)
    )
    Event.objects.filter(pk=fine.pk).update(
        step_started_at=now, step_deadline=now + dt.timedelta(hours=10)
    )
    counts = events_mark_due()
    assert counts == {"overdue": 1, "near_due": 1}
    states = dict(
        Event.objects.filter(pk__in=[late.pk, soon.pk, fine.pk]).values_list("title", "due_state")
    )
    assert states == {"甲": "overdue", "乙": "near_due", "丙": "on_time"}
    assert late.traces.filter(action="overdue").exists()
    assert cast.village.notifications.filter(kind="event.overdue").exists()
    assert events_mark_due() == {"overdue": 0, "near_due": 0}  # flagged once


def test_deadlines_follow_the_working_day_calendar(cast, category):
    """A dispute reported on the eve of National Day 2025 gets its handling deadline
    after the holiday and its make-up working day."""
    from unittest import mock

    from events.services import event_report

    cat = category("0101", handle_days=3)
    eve = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
    with mock.patch("django.utils.timezone.now", return_value=eve):
        e = event_report(actor=cast.worker, title="节前纠纷", category=cat, grid=cast.grid)
        event_transition(actor=cast.village, event=e, action="accept")
        e = event_transition(actor=cast.village, event=e, action="handle")
    # Oct 1–8 are holidays, Oct 9 (Thu), 10 (Fri), 11 (Sat, make-up day) are working days.
    assert e.deadline.astimezone(CHINA).date() == dt.date(2025, 10, 11)
    assert e.status == Status.HANDLING
