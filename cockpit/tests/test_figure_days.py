"""Day cells down to the county only (governance/figures.py: DAY_DEPTH): below it the
rollups keep ALL_TIME cells, and day ranges are counted from the raw tables — the same
numbers at every level, whichever path answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from events.services import event_report
from governance.figures import (
    ALL_TIME,
    DAY_DEPTH,
    SOURCES,
    cells_read,
    figures_count,
    figures_differences,
    figures_read,
    figures_read_many,
    figures_retract,
    path_depth,
    series_read,
)
from governance.models import FigureCount
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(make_user):
    """Three cases in two grids of two townships of 南关区, one of them reported ten days
    ago (moved back the way a service would: retract, write, count)."""
    from events.models import EventCategory

    grids = list(Area.objects.filter(level=6, code__startswith="220102").order_by("code"))
    g1 = grids[0]
    g2 = next(g for g in grids if g.path.split("/")[3] != g1.path.split("/")[3])
    worker = make_user(Role.COUNTY_DISPATCHER, "220102000000", "days_ng")
    category = EventCategory.objects.get(code="0101")
    events = [
        event_report(
            actor=worker,
            title=f"楼道堆物{i}",
            category=category,
            lng=g.centroid.x,
            lat=g.centroid.y,
            description="测试",
        )
        for i, g in enumerate((g1, g1, g2))
    ]
    old = events[1]
    figures_retract("events", [old.pk])
    Event.objects.filter(pk=old.pk).update(reported_at=old.reported_at - timedelta(days=10))
    figures_count("events", [old.pk])
    return {"g1": g1, "g2": g2, "events": events, "today": timezone.localdate()}


def _raw(path, since, until):
    """The cases of a subtree reported on the days since..until, by the ORM."""
    return sum(
        1
        for e in Event.objects.filter(area_path__startswith=path)
        if since <= timezone.localdate(e.reported_at) <= until
    )


def _ancestors(area):
    """The paths of the area and of every area above it, province first."""
    return [area.path[: i + 1] for i, c in enumerate(area.path) if c == "/"]


def test_no_day_cells_below_the_county(reported):
    assert SOURCES
    deep_days = [
        c
        for c in FigureCount.objects.exclude(day=ALL_TIME).values_list("area_path", flat=True)
        if path_depth(c) > DAY_DEPTH
    ]
    assert deep_days == []
    # ... while every level keeps its ALL_TIME cells, and the rollups still equal the
    # GROUP BY over the raw tables.
    grid = reported["g1"].path
    assert FigureCount.objects.filter(area_path=grid, day=ALL_TIME).exists()
    assert figures_differences() == []


def test_day_ranges_agree_at_every_level(reported):
    today = reported["today"]
    for path in _ancestors(reported["g1"]):
        for since, until in ((today, today), (today - timedelta(days=30), today)):
            cells = figures_read(path, ["events.status"], since=since, until=until)
            assert cells.sum("events.status") == _raw(path, since, until), (path, since)
        series = series_read(path, ["events.status"], since=today - timedelta(days=30), until=today)
        ten_days_ago = series[today - timedelta(days=10)].sum("events.status")
        assert ten_days_ago == _raw(path, today - timedelta(days=10), today - timedelta(days=10))
        assert sum(c.sum("events.status") for c in series.values()) == _raw(
            path, today - timedelta(days=30), today
        )


def test_many_areas_at_once_mix_both_paths(reported):
    today = reported["today"]
    g1, g2 = reported["g1"], reported["g2"]
    paths = [g1.path, g2.path, g1.parent.parent.path, "22/2201/220102/", "22/"]
    since = today - timedelta(days=30)
    many = figures_read_many(paths, ["events.status"], since=since, until=today)
    for path in paths:
        assert many[path].sum("events.status") == _raw(path, since, today), path
    # Over all time every level reads its ALL_TIME cells.
    all_time = figures_read_many(paths, ["events.status"])
    for path in paths:
        assert (
            all_time[path].sum("events.status")
            == Event.objects.filter(area_path__startswith=path).count()
        )


def test_a_county_reads_its_townships_today_from_the_raw_tables(reported):
    today = reported["today"]
    county = Area.objects.get(code="220102000000")
    whole, children = cells_read(county.path, level=county.level, today=today)
    assert whole.sum("events.status", today=True) == _raw(county.path, today, today)
    for code, cells in children.items():
        township = Area.objects.get(path=f"{county.path}{code}/")
        assert cells.sum("events.status", today=True) == _raw(township.path, today, today)
        assert (
            cells.sum("events.status")
            == Event.objects.filter(area_path__startswith=township.path).count()
        )


def test_today_below_the_county_finds_a_case_reported_long_ago_and_closed_today(reported):
    """Today's facts below the county are looked for among the cases written today (the
    index on updated_at): a case reported ten days ago and closed today is one of them."""
    from events.models import Status

    today, old = reported["today"], reported["events"][1]
    now = timezone.now()
    figures_retract("events", [old.pk])
    Event.objects.filter(pk=old.pk).update(status=Status.CLOSED, closed_at=now, updated_at=now)
    figures_count("events", [old.pk])
    county = Area.objects.get(code="220102000000")
    whole, children = cells_read(
        county.path, level=county.level, today=today, figures=["events.closed"]
    )
    township = reported["g1"].path.split("/")[3]
    assert children[township].sum("events.closed", today=True) == 1
    assert whole.sum("events.closed", today=True) == 1
    # and a case not written since yesterday has no fact today
    Event.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=2))
    _whole, children = cells_read(
        county.path, level=county.level, today=today, figures=["events.closed"]
    )
    assert children.get(township) is None or not children[township].sum("events.closed", today=True)


def test_a_few_figures_expand_only_their_facts(reported):
    """A reader of a few figures (the assessment of a year below the county) expands each
    raw case into the facts that can yield them only — the same cells as all of them,
    filtered."""
    from governance.figures import _raw_cells

    source = SOURCES["events"]
    few = ["events.overdue", "events.closed", "events.status"]
    sql = source.sql_for(few)
    assert sql.count("'events.category'") == 0 and "'events.' || t.due_state" in sql
    assert source.sql_for(None) == source.sql
    township = reported["g1"].path.rsplit("/", 3)[0] + "/"
    today = reported["today"]
    since = today - timedelta(days=30)
    every = _raw_cells(township, None, since=since, until=today, group="f.area_path")
    pruned = _raw_cells(township, few, since=since, until=today, group="f.area_path")
    assert pruned and sorted(pruned) == sorted(r for r in every if r[1] in few)
