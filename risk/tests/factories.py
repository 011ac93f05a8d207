"""Hand-placed records for the risk tests: cases, places and houses at given offsets (in
metres) from a grid's centroid, reported a given number of days ago. Built with the ORM
directly because the tests need what no service lets a user choose: the report time."""

import itertools
import math
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from collection.models import House, Person, PersonTag, Place
from collection.tests.factories import numbered_id
from events.models import Event, EventCategory
from grids.models import Area

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
