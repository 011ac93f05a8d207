"""The rollups as production keeps them (FIGURES_DRAIN_EAGER off): a write appends its
cells to the delta queue and queues a drain on commit; the drain applies them at every
level. The other tests apply them in the writer's transaction (governance/settings/test.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import EventCategory
from events.services import event_report, event_transition
from governance.figures import (
    ALL_TIME,
    drain_schedule,
    figures_count,
    figures_differences,
    figures_drain,
    figures_retract,
)
from governance.models import FigureCount, FigureDelta
from governance.roles import Role
from governance.tasks import figures_drain_task
from grids.models import Area

pytestmark = pytest.mark.django_db

COUNTY = "22/2201/220102/"


@pytest.fixture
def queued(settings):
    settings.FIGURES_DRAIN_EAGER = False


def _county_total():
    county = Area.objects.get(code="220102000000")
    return sum(
        FigureCount.objects.filter(
            area_path=county.path, figure="events.status", day=ALL_TIME
        ).values_list("n", flat=True)
    )


def _report(actor, grid):
    return event_report(
        actor=actor,
        title="楼道堆物",
        category=EventCategory.objects.get(code="0101"),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
        description="测试",
    )


def test_a_write_queues_deltas_and_one_drain_which_applies_them(
    queued, make_user, django_capture_on_commit_callbacks
):
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    actor = make_user(Role.COUNTY_DISPATCHER, "220102000000", "drain_ng")
    before = _county_total()
    with django_capture_on_commit_callbacks() as callbacks:
        with CaptureQueriesContext(connection) as captured:
            event = _report(actor, grid)
    # the write touched no rollup cell: it appended its cells at the grid's level only
    assert not any("governance_figurecount" in q["sql"] for q in captured.captured_queries)
    assert _county_total() == before
    deltas = list(FigureDelta.objects.values_list("area_path", "figure", "n"))
    assert deltas and all(path == grid.path and n == 1 for path, _f, n in deltas)
    assert [c for c in callbacks if c is drain_schedule] == [drain_schedule]  # one drain

    figures_drain_task.apply()  # what the worker runs
    assert not FigureDelta.objects.exists()
    assert _county_total() == before + 1
    assert figures_differences() == []

    # a transition: retract and count in one transaction (the test's, here, which never
    # commits: its first drain is still the one queued)
    village = make_user(Role.VILLAGE_STAFF, grid.parent.code, "drain_v")
    event_transition(actor=village, event=event, action="accept", note="受理")
    assert sum(c[1] is drain_schedule for c in connection.run_on_commit) == 1
    assert FigureDelta.objects.filter(n=-1).exists() and FigureDelta.objects.filter(n=1).exists()
    assert figures_differences() == []  # drains first, writers held back meanwhile
    assert not FigureDelta.objects.exists()


def test_deltas_that_cancel_out_touch_no_cell(queued, make_user):
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    event = _report(make_user(Role.COUNTY_DISPATCHER, "220102000000", "drain_ng2"), grid)
    figures_drain()
    figures_retract("events", [event.pk])
    figures_count("events", [event.pk])  # nothing changed in between
    assert FigureDelta.objects.count() > 0
    assert figures_drain() == 0
    assert not FigureDelta.objects.exists()
    assert figures_differences() == []


def test_the_drain_is_on_the_beat_schedule(settings):
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["governance.tasks.figures_drain_task"] <= 10


def test_commits_while_a_drain_waits_queue_no_second_one(monkeypatch):
    """governance/coalesce.py: what each commit runs (`drain_schedule`) queues the drain
    only when none is waiting; the drain clears the mark as its first step."""
    from celery import current_app
    from django.conf import settings

    from governance.coalesce import drain_started
    from governance.figures import DRAIN_TASK

    sent = []
    monkeypatch.setattr(
        current_app.tasks[DRAIN_TASK], "apply_async", lambda countdown: sent.append(countdown)
    )
    drain_started(DRAIN_TASK)  # none left waiting by an earlier test
    drain_schedule()
    drain_schedule()
    # queued to start a moment later, so the writes of that moment share it
    assert sent == [settings.DRAIN_COALESCE_SECONDS] and sent[0] > 0
    figures_drain_task.apply()
    drain_schedule()
    assert len(sent) == 2
