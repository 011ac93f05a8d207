"""Outbox subscribers: a write that touches a subject re-evaluates just that subject
(and the subjects around it) after commit, under the active rules of its kind.

- `event.*` (every step of a case): the case itself, its grid, and the places, houses
  and key people (people with an active special-group tag) of that grid;
- `change.people` (a person registered or changed, a tag set or ended): the person;
- `change.visits` (a visit recorded): the people visited.
Each is one statement per active rule of a kind (risk/evaluation.py, `only`)."""

from __future__ import annotations

from .evaluation import rules_active
from .evaluation import subjects_reevaluate as _reevaluate_all
from .models import Rule

# Batch subscribers (governance/outbox.py, `batch=True`): each receives every message of a
# drain it has not handled, and re-evaluates the union of their subjects — one statement
# per active rule for all of them, not one per message (a drain under load carries tens
# of case steps; most of them in the same few grids).


class BatchNotEvaluated(RuntimeError):
    """A rule's run over a batch's subjects timed out or failed. Raised so that the outbox
    hands the messages over one at a time (smaller runs, each failure recorded on its own
    message); a run for one message records its failure on the rule, as always."""


def _reevaluate(kind: str, ids, messages, rules=None) -> None:
    if rules is not None and not any(r.subject_kind == kind for r in rules):
        return  # no rule of the kind: its subjects are not even looked up
    results = _reevaluate_all(kind, ids, rules)
    failed = [r for r in results if r.status != Rule.RunStatus.OK]
    if failed and len(messages) > 1:
        raise BatchNotEvaluated(
            f"{kind}: rule {failed[0].rule_id} {failed[0].status}: {failed[0].message}"
        )


def _ids(messages, key: str) -> list[int]:
    ids = []
    for message in messages:
        try:
            ids.append(int((message.payload or {}).get(key)))
        except (TypeError, ValueError):
            continue
    return ids


def reevaluate_on_event(messages) -> None:
    from collection.models import House, PersonTag, Place
    from events.models import Event

    numbers = {(m.payload or {}).get("number") for m in messages} - {None}
    events = list(Event.objects.filter(number__in=numbers).values_list("pk", "grid_id"))
    if not events:
        return
    rules = rules_active()  # read once for the five kinds below (one statement, not five)
    _reevaluate("event", [pk for pk, _grid in events], messages, rules)
    grids = {grid for _pk, grid in events if grid is not None}
    if not grids:
        return
    _reevaluate("area", grids, messages, rules)
    _reevaluate(
        "place",
        Place.objects.filter(grid_id__in=grids).values_list("pk", flat=True),
        messages,
        rules,
    )
    _reevaluate(
        "house",
        House.objects.filter(grid_id__in=grids).values_list("pk", flat=True),
        messages,
        rules,
    )
    _reevaluate(
        "person",
        PersonTag.objects.filter(person__grid_id__in=grids, end_date__isnull=True)
        .values_list("person_id", flat=True)
        .distinct(),
        messages,
        rules,
    )


def reevaluate_on_person_change(messages) -> None:
    # A whole import is left to the next full evaluation (Celery beat).
    changed = [m for m in messages if (m.payload or {}).get("op") != "import"]
    _reevaluate("person", _ids(changed, "id"), messages)


def reevaluate_on_visit(messages) -> None:
    from collection.models import Visit

    visits = _ids(messages, "id")
    if not visits:
        return
    people = Visit.people.through.objects.filter(visit_id__in=visits).values_list(
        "person_id", flat=True
    )
    _reevaluate("person", people, messages)
