"""Helpers of the risk tests: people, tags, visits, events and rules built through the
real services (tags and a few timestamps set directly where a test needs a past date)."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from collection.models import House, Person, PersonTag, Place
from collection.services import house_create, person_create, place_create, visit_create
from collection.tests.factories import numbered_id
from events.models import Event, EventCategory
from events.services import event_report
from grids.models import Area
from risk.services import rule_create

GRID = "220102001001001"  # a grid of 南关区
OTHER_GRID_COUNTY = "220103"  # 宽城区

_n = {"i": 0}


def person_make(*, actor, grid, name="张三", house=None):
    _n["i"] += 1
    return person_create(
        actor=actor,
        grid=grid,
        name=name,
        id_number=numbered_id(_n["i"]),
        kind="registered",
        house=house,
    )


def house_make(*, actor, grid, point: Point, address="平安路1号"):
    return house_create(actor=actor, grid=grid, address=address, location=point)


def place_make(*, actor, grid, point: Point, name="平安市场"):
    return place_create(actor=actor, grid=grid, name=name, kind="crowded", location=point)


def tag_make(person, tag, *, every=30, start=None, **extra):
    return PersonTag.objects.create(
        person=person,
        tag=tag,
        visit_every_days=every,
        start_date=start or timezone.localdate(),
        extra=extra,
    )


def visit_make(*, actor, grid, people, days_ago=0):
    return visit_create(
        actor=actor,
        grid=grid,
        visited_at=timezone.now() - timedelta(days=days_ago),
        place="家中",
        findings="情况稳定",
        people=people,
    )


def event_make(*, actor, grid, point: Point | None = None, code="0101", days_ago=0, **kw):
    point = point or grid.centroid
    event = event_report(
        actor=actor,
        title=kw.pop("title", "邻里纠纷"),
        category=EventCategory.objects.get(code=code),
        lng=point.x,
        lat=point.y,
        description="测试",
        **kw,
    )
    if days_ago:
        Event.objects.filter(pk=event.pk).update(
            reported_at=timezone.now() - timedelta(days=days_ago)
        )
        event.refresh_from_db()
    return event


THRESHOLDS = {"red": 50, "orange": 40, "yellow": 30, "blue": 20, "green": 10}


def definition(factors, thresholds=None, **kw):
    return {"factors": factors, "thresholds": thresholds or dict(THRESHOLDS), **kw}


def rule_make(*, actor=None, name="测试规则", kind="person", factors=None, **kw):
    return rule_create(
        actor=actor,
        name=name,
        subject_kind=kind,
        definition=definition(factors or [{"code": "tag", "weight": 10}], **kw),
    )


# -- hand-placed records (hot spots, key-event colours): cases, places and houses at given
# offsets (in metres) from a grid's centroid, reported a given number of days ago — built
# with the ORM directly because the tests need what no service lets a user choose: the
# report time.

_seq = itertools.count(1)


def offset(grid: Area, east_m: float, north_m: float) -> Point:
    """The point `east_m`, `north_m` metres from the grid's centroid (local flat earth:
    exact enough over a few kilometres)."""
    lat0 = grid.centroid.y
    dlat = north_m / 111_320
    dlng = east_m / (111_320 * math.cos(math.radians(lat0)))
    return Point(grid.centroid.x + dlng, lat0 + dlat, srid=4326)


def event_at(
    grid: Area,
    east_m: float = 0,
    north_m: float = 0,
    *,
    category: str = "0101",
    days_ago: float = 1,
    urgency: str = "normal",
    status: str = "reported",
    due_state: str = "on_time",
    located: bool = True,
    now=None,
) -> Event:
    n = next(_seq)
    event = Event.objects.create(
        number=f"RISKT{n:07d}",
        title=f"风险测试事件{n}",
        category=EventCategory.objects.get(code=category),
        source="grid_worker",
        urgency=urgency,
        location=offset(grid, east_m, north_m) if located else None,
        grid=grid,
        area_path=grid.path,
        current_area=grid,
        status=status,
        due_state=due_state,
    )
    reported = (now or timezone.now()) - timedelta(days=days_ago)
    Event.objects.filter(pk=event.pk).update(reported_at=reported)
    event.reported_at = reported
    return event


def place_at(grid: Area, east_m: float, north_m: float, *, name: str, kind: str) -> Place:
    return Place.objects.create(
        grid=grid,
        area_path=grid.path,
        name=name,
        kind=kind,
        location=offset(grid, east_m, north_m),
    )


def house_at(grid: Area, east_m: float, north_m: float, *, address: str, use: str) -> House:
    return House.objects.create(
        grid=grid,
        area_path=grid.path,
        address=address,
        use=use,
        location=offset(grid, east_m, north_m),
    )


def tagged_person_at(grid: Area, east_m: float, north_m: float, *, tag: str = "drug") -> Person:
    """A person with an active special-group tag living in a house at that point."""
    n = next(_seq)
    house = house_at(grid, east_m, north_m, address=f"风险测试路{n}号", use="self")
    person = Person(
        grid=grid, area_path=grid.path, name=f"风险测试人{n}", id_number=numbered_id(n % 1000)
    )
    person.house = house
    person.id_number_index = f"risk-test-{n}"
    person.save()
    PersonTag.objects.create(person=person, tag=tag)
    return person
