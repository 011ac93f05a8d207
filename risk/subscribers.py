"""Outbox subscribers: a write that touches a subject re-evaluates just that subject
(and the subjects around it) after commit, under the active rules of its kind.

- `event.*` (every step of a case): the case itself, its grid, and the places, houses
  and key people (people with an active special-group tag) of that grid;
- `change.people` (a person registered or changed, a tag set or ended): the person;
- `change.visits` (a visit recorded): the people visited.
Each is one statement per active rule of a kind (risk/evaluation.py, `only`)."""

from __future__ import annotations

from .evaluation import subjects_reevaluate


def reevaluate_on_event(message) -> None:
    from collection.models import House, PersonTag, Place
    from events.models import Event

    number = (message.payload or {}).get("number")
    event = Event.objects.filter(number=number).only("id", "grid_id", "area_path").first()
    if event is None:
        return
    subjects_reevaluate("event", [event.pk])
    if event.grid_id is None:
        return
    subjects_reevaluate("area", [event.grid_id])
    grid = {"grid_id": event.grid_id}
    subjects_reevaluate("place", Place.objects.filter(**grid).values_list("pk", flat=True))
    subjects_reevaluate("house", House.objects.filter(**grid).values_list("pk", flat=True))
    subjects_reevaluate(
        "person",
        PersonTag.objects.filter(person__grid_id=event.grid_id, end_date__isnull=True)
        .values_list("person_id", flat=True)
        .distinct(),
    )


def reevaluate_on_person_change(message) -> None:
    payload = message.payload or {}
    if payload.get("op") == "import":
        return  # a whole import is left to the next full evaluation (Celery beat)
    try:
        person_id = int(payload.get("id"))
    except (TypeError, ValueError):
        return
    subjects_reevaluate("person", [person_id])


def reevaluate_on_visit(message) -> None:
    from collection.models import Visit

    payload = message.payload or {}
    try:
        visit_id = int(payload.get("id"))
    except (TypeError, ValueError):
        return
    people = Visit.people.through.objects.filter(visit_id=visit_id).values_list(
        "person_id", flat=True
    )
    subjects_reevaluate("person", people)
