"""The rollups against the raw tables, reconciliation, and the summary API against
hand-computed counts and jurisdictions."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from collection.models import Person
from collection.services import house_create, person_create, person_update
from collection.tags import person_tag_end, person_tag_set
from collection.tests.factories import apply, csv_bytes, numbered_id, upload
from events.models import Event, EventCategory
from events.services import event_report, event_transition, events_mark_due
from governance.figures import (
    figures_differences,
    figures_rebuild,
    figures_reconcile,
    figures_retract,
)
from governance.models import FigureCount
from governance.roles import Role
from grids.models import Area

NANGUAN, KUANCHENG, CITY = "220102000000", "220103000000", "220100000000"

pytestmark = pytest.mark.django_db

# Valid extra fields of the two tags the random mix sets.
TAG = {
    "released": {
        "original_charge": "盗窃罪",
        "sentence": "三年",
        "release_date": "2025-01-01",
    },
    "petition": {
        "reason": "征地补偿纠纷",
        "petition_count": 2,
        "last_date": "2025-01-10",
        "measures": "包保责任人每周走访",
    },
}


def _grids(prefix, n=2):
    return list(Area.objects.filter(level=6, code__startswith=prefix).order_by("code")[:n])


def _report(actor, grid, title="楼道堆物"):
    return event_report(
        actor=actor,
        title=title,
        category=EventCategory.objects.get(code="0101"),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
        description="测试",
    )


@pytest.fixture
def cast(make_user):
    g1, g2 = _grids("220102")
    k1 = _grids("220103", 1)[0]
    return {
        "grids": (g1, g2),
        "kc_grid": k1,
        "ng": make_user(Role.COUNTY_DISPATCHER, NANGUAN, "fig_ng"),
        "kc": make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "fig_kc"),
        "city": make_user(Role.CITY_LEADER, CITY, "fig_city"),
        "w1": make_user(Role.GRID_WORKER, g1.code, "fig_w1"),
        "v1": make_user(Role.VILLAGE_STAFF, g1.parent.code, "fig_v1"),
        "wk": make_user(Role.GRID_WORKER, k1.code, "fig_wk"),
    }


def test_random_mix_equals_group_by(cast):
    """Reports, transitions, overdue flags, base data, moves, imports and deletions in a
    seeded random order: the rollups equal a GROUP BY over the raw tables after every
    step."""
    rng = random.Random(10)
    g1, g2 = cast["grids"]
    people, events, n = [], [], 0
    # The steps of a case handled by its village, and who takes each.
    steps = [
        ("accept", "v1", {}),
        ("handle", "v1", {}),
        ("close", "v1", {}),
        ("verify", "w1", {}),
        ("rate", "w1", {"rating": 4}),
    ]
    tags = []
    for _step in range(90):
        op = rng.choice(
            [
                "report",
                "report",
                "step",
                "step",
                "overdue",
                "near_due",
                "late",
                "tag",
                "untag",
                "person",
                "move",
                "house",
                "import",
                "delete",
            ]
        )
        if op == "report":
            events.append([_report(cast["w1"], g1), 0])
        elif op == "step" and events:
            case = rng.choice(events)
            if case[1] < len(steps):
                action, who, extra = steps[case[1]]
                case[0] = event_transition(
                    actor=cast[who], event=case[0], action=action, note="处理完毕", **extra
                )
                case[1] += 1
        elif op == "overdue" and events:
            # A case whose step ran out of time, flagged by the SLA job.
            Event.objects.filter(pk=rng.choice(events)[0].pk).update(
                step_deadline=timezone.now() - timedelta(hours=1)
            )
            events_mark_due()
        elif op == "near_due" and events:
            # Most of the step's time used up: near due first, overdue later perhaps.
            now = timezone.now()
            Event.objects.filter(pk=rng.choice(events)[0].pk).update(
                step_started_at=now - timedelta(hours=9), step_deadline=now + timedelta(hours=1)
            )
            events_mark_due()
        elif op == "late" and events:
            # A case whose overall deadline has passed: closed late when it closes.
            Event.objects.filter(pk=rng.choice(events)[0].pk).update(
                deadline=timezone.now() - timedelta(minutes=1)
            )
        elif op == "tag" and people:
            p = Person.objects.get(pk=rng.choice(people).pk)
            tag = rng.choice(["released", "petition"])
            if not p.tags.filter(tag=tag, end_date__isnull=True).exists():
                tags.append(person_tag_set(actor=cast["ng"], person=p, tag=tag, extra=TAG[tag])[0])
        elif op == "untag" and tags:
            person_tag_end(actor=cast["ng"], tag_obj=tags.pop(), reason="帮教期满")
        elif op == "person":
            n += 1
            kind = rng.choice(["registered", "floating"])
            people.append(
                person_create(
                    actor=cast["ng"],
                    grid=rng.choice((g1, g2)),
                    name=f"人{n}",
                    id_number=numbered_id(n),
                    kind=kind,
                )
            )
        elif op == "move" and people:
            p = Person.objects.get(pk=rng.choice(people).pk)
            person_update(actor=cast["ng"], person=p, grid=g2 if p.grid_id == g1.id else g1)
        elif op == "house":
            n += 1
            house_create(actor=cast["ng"], grid=g1, address=f"幸福路{n}号", use="rental")
        elif op == "import":
            # New people and, for a known number, a move and a new kind.
            rows = [
                [f"导入{n + i}", numbered_id(500 + n + i), "", "流动人口", "某地", g2.code]
                for i in range(2)
            ]
            if people:
                known = Person.objects.get(pk=people[0].pk)
                rows.append([known.name, known.id_number, "", "流动人口", "某地", g1.code])
            n += 2
            job = apply(cast["ng"], upload(cast["ng"], csv_bytes(rows)))
            assert job.status == "done", job.error_summary if hasattr(job, "error_summary") else ""
        elif op == "delete" and people:
            p = people.pop(rng.randrange(len(people)))
            tags = [t for t in tags if t.person_id != p.pk]
            figures_retract("people", [p.pk])  # a deletion takes its cells away first
            Person.objects.filter(pk=p.pk).delete()
        assert figures_differences() == [], op
    assert FigureCount.objects.filter(figure="people.kind").exists()
    counted = {f for (f,) in FigureCount.objects.exclude(n=0).values_list("figure")}
    assert {"events.status", "events.closed", "events.overdue", "houses.use"} <= counted
    assert {"events.near_due", "events.verified", "events.rating", "people.group"} <= counted
    assert {"events.department", "events.close_time", "events.closed_unit"} <= counted


def test_reconcile_finds_and_repairs_a_corrupted_cell(cast):
    _report(cast["w1"], cast["grids"][0])
    assert figures_reconcile()["differences"] == 0
    cell = FigureCount.objects.filter(figure="events.status").first()
    FigureCount.objects.filter(pk=cell.pk).update(n=cell.n + 5)
    with connection.cursor() as cur:  # and a cell no raw row explains
        cur.execute(
            "INSERT INTO governance_figurecount (day, area_path, parent_path, figure, key, n) "
            "VALUES ('2020-01-01', %s, '', 'events.status', 'handling', 2)",
            [cell.area_path],
        )
    report = figures_reconcile()
    assert report["differences"] == 2
    assert {(c["rollup"], c["raw"]) for c in report["cells"]} == {(cell.n + 5, cell.n), (2, 0)}
    assert figures_differences() == []
    assert FigureCount.objects.get(pk=cell.pk).n == cell.n


def test_rebuild_derives_every_cell_afresh(cast):
    """After a bulk load that bypassed the services, one set-based rebuild."""
    _report(cast["w1"], cast["grids"][0])
    Event.objects.update(status="handling")  # behind the rollups' back
    FigureCount.objects.create(
        day="2020-01-01", area_path=cast["grids"][0].path, figure="events.status", key="x", n=4
    )
    assert figures_differences() != []
    assert figures_rebuild() == FigureCount.objects.count() > 0
    assert figures_differences() == []
    assert not FigureCount.objects.filter(key="x").exists()


def _summary(client, user, area=None):
    client.force_login(user)
    url = "/api/v1/cockpit/summary/" + (f"?area={area}" if area is not None else "")
    return client.get(url)


def test_summary_hand_computed_and_scoped(client, cast):
    g1, g2 = cast["grids"]
    for i, (grid, kind) in enumerate([(g1, "registered"), (g1, "floating"), (g2, "registered")]):
        person_create(
            actor=cast["ng"], grid=grid, name=f"甲{i}", id_number=numbered_id(i), kind=kind
        )
    house_create(actor=cast["ng"], grid=g1, address="幸福路1号", use="rental")
    _report(cast["w1"], g1)
    _report(cast["w1"], g1)
    _report(cast["wk"], cast["kc_grid"])  # in 宽城区

    r = _summary(client, cast["ng"])  # default: the top of the jurisdiction
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["area"] == {"code": NANGUAN, "name": "南关区", "level": 3}
    assert body["as_of"]
    assert (body["people"], body["houses"], body["organisations"], body["places"]) == (3, 1, 0, 0)
    assert (body["events_total"], body["events_open"], body["events_today"]) == (2, 2, 2)
    assert body["events_overdue"] == 0
    township = g1.path.split("/")[3]
    children = {c["code"]: c for c in body["children"]}
    assert children[township]["events_total"] == 2
    assert sum(c["people"] for c in body["children"]) == 3

    # 宽城区 sees its one event, never 南关区's — not as 南关区, not inside 长春's total.
    kc = _summary(client, cast["kc"]).json()
    assert (kc["area"]["code"], kc["events_total"], kc["people"]) == (KUANCHENG, 1, 0)
    assert _summary(client, cast["kc"], NANGUAN).status_code == 404
    assert _summary(client, cast["kc"], CITY).status_code == 404
    # The city leader sees both counties, each with its own counts.
    city = _summary(client, cast["city"], CITY).json()
    assert city["events_total"] == 3 and city["people"] == 3
    by_code = {c["code"]: c for c in city["children"]}
    assert by_code[NANGUAN]["events_total"] == 2 and by_code[KUANCHENG]["events_total"] == 1


def test_summary_bad_input(client, cast):
    for bad in ("abc", "2201", "22010200000099999", "1' OR 1=1"):
        r = _summary(client, cast["ng"], bad)
        assert r.status_code == 400, (bad, r.content)
        assert r.json()["code"] == "invalid_area"
    assert _summary(client, cast["ng"], "999999000000").status_code == 404


def test_summary_reads_the_rollups_not_the_raw_tables(client, cast):
    """One query over the rollups for the area and all its children; no raw table."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    _report(cast["w1"], cast["grids"][0])
    client.force_login(cast["city"])
    with CaptureQueriesContext(conn) as captured:
        r = client.get(f"/api/v1/cockpit/summary/?area={CITY}")
    assert r.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum("governance_figurecount" in q for q in sql) == 1
    for raw in ("events_event", "collection_person", "collection_house"):
        assert not any(raw in q for q in sql), raw
