"""Helpers of the risk tests: people, tags, visits, events and rules built through the
real services (tags and a few timestamps set directly where a test needs a past date)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from collection.models import PersonTag
from collection.services import house_create, person_create, place_create, visit_create
from collection.tests.factories import numbered_id
from events.models import Event, EventCategory
from events.services import event_report
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
