"""A case's areas come with the case, without their outlines (grids.models.outlines_of).

A county's outline is ~50 kB, the city's ~200 kB: the case page, the API's detail and
every step of the process loaded the unit that dispatched the case and the one it came
from lazily, one statement and one whole outline each, and the step itself read four
areas with their outlines under its row lock. Under load that made 签收 and 受理 the
slowest requests (docs/performance.md)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event
from events.services import event_transition

pytestmark = pytest.mark.django_db

OUTLINE = re.compile(r'"boundary(_simple)?"')
AREA_BY_ID = re.compile(r'FROM "grids_area" WHERE "grids_area"\."id" = ')


def _dispatched(cast, reported):
    event = reported("0601")
    event_transition(actor=cast.dispatcher, event=event, action="accept")
    event_transition(
        actor=cast.dispatcher, event=event, action="dispatch", department=cast.dept_cgj
    )
    event.refresh_from_db()
    assert event.dispatched_by_area_id and event.status == "dispatched"
    return event


def _outlines_and_lazy_areas(queries) -> list[str]:
    return [
        q["sql"][:200] for q in queries if OUTLINE.search(q["sql"]) or AREA_BY_ID.search(q["sql"])
    ]


def test_api_detail_reads_the_case_areas_without_outlines(api_client, cast, reported):
    event = _dispatched(cast, reported)
    client = api_client(cast.chengguan)
    with CaptureQueriesContext(connection) as queries:
        r = client.get(f"/api/v1/events/{event.number}/")
    assert r.status_code == 200 and r.json()["actions"] == ["sign", "send_back"]
    assert _outlines_and_lazy_areas(queries.captured_queries) == []


def test_case_page_reads_the_case_areas_without_outlines(client, cast, reported):
    event = _dispatched(cast, reported)
    client.force_login(cast.chengguan)
    with CaptureQueriesContext(connection) as queries:
        r = client.get(f"/events/{event.number}/")
    assert r.status_code == 200 and "签收" in r.content.decode()
    assert _outlines_and_lazy_areas(queries.captured_queries) == []


def test_a_step_reads_the_case_areas_without_outlines(cast, reported):
    event = _dispatched(cast, reported)
    with CaptureQueriesContext(connection) as queries:
        event = event_transition(actor=cast.chengguan, event=event, action="sign")
        event = event_transition(actor=cast.chengguan, event=event, action="send_back", note="x")
    assert event.status == "accepted" and event.current_area.code == "220102000000"
    assert _outlines_and_lazy_areas(queries.captured_queries) == []
    # The outlines are still there for whoever asks for them.
    assert Event.objects.get(pk=event.pk).current_area.boundary is not None


def test_a_step_locks_the_case_row(cast, reported):
    """The compiled lock is the ORM's: SELECT … FOR UPDATE OF the case only (its areas and
    category are not locked), inside the step's transaction."""
    event = _dispatched(cast, reported)
    with CaptureQueriesContext(connection) as queries:
        event_transition(actor=cast.chengguan, event=event, action="sign")
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1 and locks[0].endswith('FOR UPDATE OF "events_event"')


def test_a_step_on_a_case_that_is_gone_is_not_found(cast, reported):
    event = reported()
    Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(Event.DoesNotExist):
        event_transition(actor=cast.dispatcher, event=event, action="accept")
