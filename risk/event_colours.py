"""Key events, five colours (重点事件五色预警): a colour for each open case from six factors,
computed set-based in one SQL statement, with each factor's value and points (explainable).

| factor | value | points |
|---|---|---|
| category | the case's category family (top-level category) | FAMILY_POINTS (0–2) |
| urgency | 一般 / 紧急 / 特急 | 0 / 1 / 3 |
| people | tagged people (active special group) whose house is within PEOPLE_RADIUS_M | ≤ 3 |
| escalation | 上报上级 steps + yellow cards + 2 × red cards (督办) | min(value, 4) |
| repetition | other cases of the same family within REPEAT_RADIUS_M, ±REPEAT_DAYS | min(value, 3) |
| overdue | the case's time-limit state | 超期 3, 临期 1 |

Score = the sum; colour: 红 ≥ 8, 橙 ≥ 5, 黄 ≥ 3, 蓝 ≥ 1, 绿 0. Only what the user may read
counts (their cases, people and places): a neighbour county's cases never raise a colour.
docs/hotspots.md explains the choices.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collection.models import Person, PersonTag
from events.models import OPEN_STATUSES, DueState, Event, Urgency
from governance.errors import NotFound
from grids.models import Area

from .hotspots import (
    DEG_PER_M,
    bounded_int,
    category_families,
    run_sql,
    scoped_events,
    subquery,
)

PEOPLE_RADIUS_M = 100
REPEAT_RADIUS_M = 200
REPEAT_DAYS = 30
LIST_DEFAULT, LIST_MAX = 100, 500

# Points of a category family, by the family's code (the default tree, events/categories.py):
# 治安隐患, 消防安全隐患, 生产安全隐患 and 信访诉求 can turn into harm or unrest quickly;
# 矛盾纠纷 can escalate; the rest (环境, 城管, 求助, 市场, 其他) seldom do.
FAMILY_POINTS = {"02": 2, "03": 2, "04": 2, "07": 2, "01": 1}
URGENCY_POINTS = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.CRITICAL: 3}
DUE_POINTS = {DueState.ON_TIME: 0, DueState.NEAR_DUE: 1, DueState.OVERDUE: 3}
CAPS = {"people": 3, "escalation": 4, "repetition": 3}

# Highest first: (colour, lowest score).
THRESHOLDS = [("red", 8), ("orange", 5), ("yellow", 3), ("blue", 1), ("green", 0)]
COLOURS = [c for c, _low in THRESHOLDS]
COLOUR_LABELS = {
    "red": gettext_lazy("红色"),
    "orange": gettext_lazy("橙色"),
    "yellow": gettext_lazy("黄色"),
    "blue": gettext_lazy("蓝色"),
    "green": gettext_lazy("绿色"),
}
FACTOR_NAMES = {
    "category": gettext_lazy("事件分类"),
    "urgency": gettext_lazy("紧急程度"),
    "people": gettext_lazy("涉及重点人员"),
    "escalation": gettext_lazy("上报与督办"),
    "repetition": gettext_lazy("同类重复"),
    "overdue": gettext_lazy("超期状态"),
}
FACTORS = list(FACTOR_NAMES)


def colour_for(score: int) -> str:
    for colour, low in THRESHOLDS:
        if score >= low:
            return colour
    return "green"


def colour_param(raw) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in COLOURS:
        raise ValidationError(
            _("colour 须为 %(c)s 之一。") % {"c": ", ".join(COLOURS)}, code="invalid_colour"
        )
    return raw


def _case(column: str, points: dict) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {int(v)}" for k, v in points.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def _statement(*, user, targets, tail: str, tail_params: list) -> list[tuple]:
    """One statement: CTEs ending in `scored` (one row per target case with every factor's
    value and points, its score and colour), then `tail` over `scored`. The targets, the
    tagged people and the other cases enter as the ORM's scoped sub-selects."""
    families = category_families()
    ids = sorted(families)
    fam = [
        ids,
        [families[i].id for i in ids],
        [families[i].code for i in ids],
        [FAMILY_POINTS.get(families[i].code, 0) for i in ids],
    ]
    targets_sql, targets_params = subquery(targets)
    people_sql, people_params = subquery(
        Person.objects.restrict(user).filter(
            id__in=PersonTag.objects.filter(end_date__isnull=True).values("person_id")
        )
    )
    others_sql, others_params = subquery(scoped_events(user=user))
    colour = " ".join(f"WHEN s.score >= {low} THEN '{c}'" for c, low in THRESHOLDS)
    escalation = "f.escalations + f.yellow_cards + 2 * f.red_cards"
    sql = f"""
    WITH fam(category_id, family_id, family_code, family_points) AS (
        SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::int[])
    ),
    ev AS (
        SELECT e.id, e.number, e.title, e.status, e.urgency, e.due_state, e.location,
               e.reported_at, e.category_id, e.grid_id, f.family_id, f.family_code,
               f.family_points
          FROM events_event e JOIN fam f ON f.category_id = e.category_id
         WHERE e.id IN {targets_sql}
    ),
    factors AS (
        SELECT ev.*,
          (SELECT count(DISTINCT t.person_id)
             FROM collection_persontag t
             JOIN collection_person p ON p.id = t.person_id
             JOIN collection_house h ON h.id = p.house_id
            WHERE t.end_date IS NULL AND ev.location IS NOT NULL
              AND p.id IN {people_sql}
              AND h.location && ST_Expand(ev.location, %s)
              AND ST_DWithin(h.location::geography, ev.location::geography, %s)) AS people,
          (SELECT count(*) FROM events_trace t
            WHERE t.event_id = ev.id AND t.action = 'escalate') AS escalations,
          (SELECT count(*) FROM events_supervisioncard c
            WHERE c.event_id = ev.id AND c.colour = 'yellow') AS yellow_cards,
          (SELECT count(*) FROM events_supervisioncard c
            WHERE c.event_id = ev.id AND c.colour = 'red') AS red_cards,
          (SELECT count(*) FROM events_event o JOIN fam fo ON fo.category_id = o.category_id
            WHERE o.id <> ev.id AND fo.family_id = ev.family_id AND ev.location IS NOT NULL
              AND o.id IN {others_sql}
              AND o.location && ST_Expand(ev.location, %s)
              AND ST_DWithin(o.location::geography, ev.location::geography, %s)
              AND o.reported_at BETWEEN ev.reported_at - make_interval(days => %s)
                                    AND ev.reported_at + make_interval(days => %s)
          ) AS repeats
        FROM ev
    ),
    pointed AS (
        SELECT f.*,
          {escalation} AS escalation,
          f.family_points AS p_category,
          {_case("f.urgency", URGENCY_POINTS)} AS p_urgency,
          LEAST(f.people, {CAPS["people"]}) AS p_people,
          LEAST({escalation}, {CAPS["escalation"]}) AS p_escalation,
          LEAST(f.repeats, {CAPS["repetition"]}) AS p_repetition,
          {_case("f.due_state", DUE_POINTS)} AS p_overdue
        FROM factors f
    ),
    summed AS (
        SELECT p.*, p.p_category + p.p_urgency + p.p_people + p.p_escalation
                    + p.p_repetition + p.p_overdue AS score
          FROM pointed p
    ),
    scored AS (
        SELECT s.*, CASE {colour} ELSE 'green' END AS colour FROM summed s
    )
    """
    params = [
        *fam,
        *targets_params,
        *people_params,
        PEOPLE_RADIUS_M * DEG_PER_M,
        PEOPLE_RADIUS_M,
        *others_params,
        REPEAT_RADIUS_M * DEG_PER_M,
        REPEAT_RADIUS_M,
        REPEAT_DAYS,
        REPEAT_DAYS,
    ]
    return run_sql(sql + tail, params + list(tail_params))


ROW = """
    SELECT s.id, s.number, s.title, s.status, s.urgency, s.due_state, s.reported_at,
           s.category_id, s.family_code, s.grid_id, s.score, s.colour,
           s.family_points, s.p_urgency, s.people, s.p_people, s.escalation, s.p_escalation,
           s.escalations, s.yellow_cards, s.red_cards, s.repeats, s.p_repetition, s.p_overdue
      FROM scored s
"""


def _explain(row, families, categories, grids) -> dict:
    (
        pk, number, title, status, urgency, due_state, reported_at, category_id, family_code,
        grid_id, score, colour, p_category, p_urgency, people, p_people, escalation,
        p_escalation, escalations, yellow, red, repeats, p_repetition, p_overdue,
    ) = row  # fmt: skip
    category = categories[category_id]
    family = families[category_id]
    grid = grids.get(grid_id)
    factors = [
        {"code": "category", "value": family.code, "value_label": family.name,
         "points": p_category},
        {"code": "urgency", "value": urgency, "value_label": str(Urgency(urgency).label),
         "points": p_urgency},
        {"code": "people", "value": people, "points": p_people},
        {"code": "escalation", "value": escalation, "points": p_escalation,
         "detail": {"escalations": escalations, "yellow_cards": yellow, "red_cards": red}},
        {"code": "repetition", "value": repeats, "points": p_repetition},
        {"code": "overdue", "value": due_state, "value_label": str(DueState(due_state).label),
         "points": p_overdue},
    ]  # fmt: skip
    for f in factors:
        f["name"] = str(FACTOR_NAMES[f["code"]])
    return {
        "id": pk,
        "number": number,
        "title": title,
        "status": status,
        "category": {"code": category.code, "name": category.name},
        "family": {"code": family.code, "name": family.name},
        "grid": {"code": grid.code, "name": grid.name} if grid else None,
        "reported_at": reported_at,
        "score": score,
        "colour": colour,
        "colour_label": str(COLOUR_LABELS[colour]),
        "factors": factors,
    }


def _rows_to_items(rows) -> list[dict]:
    from events.models import EventCategory

    families = category_families()
    categories = {c.id: c for c in EventCategory.objects.only("id", "code", "name")}
    grid_ids = {r[9] for r in rows if r[9] is not None}
    grids = {a.id: a for a in Area.objects.filter(id__in=grid_ids).only("id", "code", "name")}
    return [_explain(r, families, categories, grids) for r in rows]


def key_events(*, user, area: Area, colour: str | None = None, limit: int = LIST_DEFAULT):
    """The open cases of the area with their colours, highest score first, and the number
    of cases of each colour."""
    targets = Event.objects.restrict(user).filter(
        area_path__startswith=area.path, status__in=OPEN_STATUSES
    )
    counts = dict(
        _statement(
            user=user,
            targets=targets,
            tail="SELECT colour, count(*) FROM scored GROUP BY colour",
            tail_params=[],
        )
    )
    where = "WHERE s.colour = %s" if colour else ""
    rows = _statement(
        user=user,
        targets=targets,
        tail=f"{ROW} {where} ORDER BY s.score DESC, s.reported_at, s.id LIMIT %s",
        tail_params=[*([colour] if colour else []), limit],
    )
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "as_of": timezone.now(),
        "counts": {c: counts.get(c, 0) for c in COLOURS},
        "results": _rows_to_items(rows),
    }


def event_colour(*, user, event: Event) -> dict:
    """The colour of one case (open or not) with its factors; 404 outside the scope."""
    targets = Event.objects.restrict(user).filter(pk=event.pk)
    rows = _statement(user=user, targets=targets, tail=ROW, tail_params=[])
    if not rows:
        raise NotFound()
    return _rows_to_items(rows)[0]


def event_colour_by_number(*, user, number: str) -> dict:
    event = Event.objects.restrict(user).filter(number=str(number)[:24]).first()
    if event is None:
        raise NotFound()
    return event_colour(user=user, event=event)


def key_events_limit(raw) -> int:
    return bounded_int(raw, name="limit", default=LIST_DEFAULT, low=1, high=LIST_MAX)
