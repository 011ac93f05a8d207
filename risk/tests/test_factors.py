"""Each factor of the library against hand-built records: the value the evaluation
computes for a subject (through the scorecard, which runs the same fragment)."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from events.models import SupervisionCard, Trace
from risk.evaluation import scorecard
from risk.factors import FACTORS
from risk.tests.factories import (
    definition,
    event_make,
    house_make,
    person_make,
    place_make,
    tag_make,
    visit_make,
)

pytestmark = pytest.mark.django_db


def value(kind, subject_id, code, **params):
    from risk.definitions import clean_definition

    d = clean_definition(kind, definition([{"code": code, "weight": 1, "params": params}]))
    return scorecard(kind, d, subject_id)["factors"][0]["value"]


def test_every_factor_is_documented():
    for f in FACTORS.values():
        assert f.name and f.description and f.subject_kinds


def test_tag(worker, grid):
    p = person_make(actor=worker, grid=grid)
    assert value("person", p.pk, "tag") == 0
    tag_make(p, "drug")
    t = tag_make(p, "mental", risk_level=4)
    assert value("person", p.pk, "tag") == 2
    assert value("person", p.pk, "tag", tags=["mental"]) == 1
    assert value("person", p.pk, "mental_risk") == 4
    t.end_date = timezone.localdate()
    t.save()
    assert value("person", p.pk, "tag", tags=["mental"]) == 0
    assert value("person", p.pk, "mental_risk") == 0


def test_petitions(worker, grid):
    p = person_make(actor=worker, grid=grid)
    recent = (timezone.localdate() - timedelta(days=10)).isoformat()
    tag_make(p, "petition", petition_count=3, last_date=recent)
    assert value("person", p.pk, "petitions", days=30) == 3
    assert value("person", p.pk, "petitions", days=5) == 0


def test_missed_visits(worker, grid):
    p = person_make(actor=worker, grid=grid)
    tag_make(p, "released", every=7, start=timezone.localdate() - timedelta(days=30))
    assert value("person", p.pk, "missed_visits") == 4  # 30 days, every 7: four missed
    visit_make(actor=worker, grid=grid, people=[p], days_ago=15)
    assert value("person", p.pk, "missed_visits") == 2
    visit_make(actor=worker, grid=grid, people=[p], days_ago=1)
    assert value("person", p.pk, "missed_visits") == 0


def test_since_release(worker, grid):
    p = person_make(actor=worker, grid=grid)
    released = (timezone.localdate() - timedelta(days=25)).isoformat()
    tag_make(p, "released", release_date=released)
    assert value("person", p.pk, "since_release", days=100) == pytest.approx(0.75)
    assert value("person", p.pk, "since_release", days=20) == 0


def test_events_near_and_in_grid(worker, grid):
    c = grid.centroid
    house = house_make(actor=worker, grid=grid, point=Point(c.x, c.y, srid=4326))
    p = person_make(actor=worker, grid=grid, house=house)
    event_make(actor=worker, grid=grid, point=Point(c.x + 0.0005, c.y, srid=4326))  # ~40 m
    event_make(actor=worker, grid=grid, point=Point(c.x, c.y, srid=4326), days_ago=40)
    event_make(actor=worker, grid=grid, point=Point(c.x, c.y, srid=4326), code="0601")
    assert value("person", p.pk, "events_near", days=30, radius_m=100) == 2
    assert value("person", p.pk, "events_near", days=30, radius_m=20) == 1
    assert value("person", p.pk, "events_near", days=60, radius_m=100) == 3
    assert value("person", p.pk, "events_near", days=30, radius_m=100, category="06") == 1
    assert value("house", house.pk, "events_near", days=30, radius_m=100) == 2
    assert value("person", p.pk, "events_in_grid", days=30) == 2
    assert value("area", grid.pk, "events_in_grid", days=60) == 3


def test_repeat_events(worker, grid):
    c = grid.centroid
    place = place_make(actor=worker, grid=grid, point=Point(c.x, c.y, srid=4326))
    for _ in range(3):
        event_make(actor=worker, grid=grid)
    event_make(actor=worker, grid=grid, code="0601")
    assert value("place", place.pk, "repeat_events", days=30, radius_m=100) == 2
    assert value("area", grid.pk, "repeat_events", days=30) == 2


def test_escalations_supervisions_and_event_state(worker, grid, nanguan_dispatcher):
    e = event_make(actor=worker, grid=grid, urgency="critical")
    Trace.objects.create(event=e, action="escalate", actor_name="测试")
    Trace.objects.create(event=e, action="escalate", actor_name="测试")
    SupervisionCard.objects.create(
        event=e,
        colour="red",
        issued_by=nanguan_dispatcher,
        issued_by_area=grid.parent,
        message="请尽快办理",
        deadline=timezone.now() + timedelta(days=2),
    )
    assert value("event", e.pk, "escalations", days=30) == 2
    assert value("area", grid.pk, "escalations", days=30) == 2
    assert value("event", e.pk, "supervisions", days=30) == 2
    assert value("event", e.pk, "event_urgency") == 2
    assert value("event", e.pk, "event_overdue") == 0
    type(e).objects.filter(pk=e.pk).update(due_state="overdue")
    assert value("event", e.pk, "event_overdue") == 1


def test_shared_pass_equals_each_factor_alone(worker, grid):
    """Factors on the same table are read in one pass (risk/evaluation.py `_pass_sql`):
    each value in the pass is the value the factor gives alone, and the pass finds the
    same subjects as the factors' own fragments together."""
    from django.db import connection

    from risk.definitions import clean_definition
    from risk.evaluation import scores_sql

    today = timezone.localdate()
    people = [person_make(actor=worker, grid=grid) for _ in range(5)]
    a, b, c, d, e = people
    tag_make(a, "mental", risk_level=3, every=7, start=today - timedelta(days=20))
    tag_make(a, "drug")
    tag_make(b, "petition", petition_count=4, last_date=(today - timedelta(days=3)).isoformat())
    tag_make(b, "released", release_date=(today - timedelta(days=40)).isoformat())
    tag_make(c, "correction", correction_end=(today - timedelta(days=400)).isoformat())
    old = tag_make(d, "mental", risk_level=5, every=30, start=today - timedelta(days=90))
    old.end_date = today
    old.save()
    visit_make(actor=worker, grid=grid, people=[a], days_ago=9)
    # e has no tag: no factor finds it
    codes = [
        ("tag", {"tags": ["mental", "drug", "petition"]}),
        ("mental_risk", {}),
        ("petitions", {"days": 30}),
        ("missed_visits", {}),
        ("since_release", {"days": 365}),
    ]
    items = [{"code": code, "weight": 1, "params": params} for code, params in codes]
    together = clean_definition(
        "person", definition(items, {"red": 9, "orange": 7, "yellow": 5, "blue": 3, "green": 0.001})
    )
    sql, params = scores_sql("person", together)
    assert sql.count("FROM collection_persontag") == 1  # one pass for the five
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = {r[0]: list(r[5:]) for r in cur.fetchall()}
    ids = [p.pk for p in people]
    for pid in ids:
        alone = [value("person", pid, code, **params) for code, params in codes]
        assert rows.get(pid, [0.0] * len(codes)) == pytest.approx(alone, abs=1e-4), pid
    assert rows[a.pk][:4] == pytest.approx([2, 3, 0, 1])
    assert rows[b.pk][2] == 4 and rows[b.pk][4] == pytest.approx(1 - 40 / 365)
    # the subjects found: those some factor's own fragment yields a row for
    found = set()
    with connection.cursor() as cur:
        for i, item in enumerate(together["factors"]):
            factor = FACTORS[item["code"]]
            text, fparams = factor.render("person", f"f{i}", item["params"])
            cur.execute(
                f"WITH subj AS (SELECT x.id, x.area_path, x.created_at AS created "
                f"FROM collection_person x WHERE x.id = ANY(%(ids)s)) {text}",
                {**fparams, "ids": ids},
            )
            found |= {r[0] for r in cur.fetchall() if r[1]}
    assert {pid for pid, v in rows.items() if any(v) and pid in ids} == found
    assert e.pk not in rows
