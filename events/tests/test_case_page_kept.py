"""The case page's and the API's reads of a case, from statements compiled once per
process (events/selectors.py case_trail, dispatch_choices; events/routing.py): the same
rows as the ORM's querysets and prefetches, nothing read again while the page or the
answer is drawn, and the choices of a dispatch for cases at any depth."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events import selectors
from events.models import Event, Source
from events.routing import suggested_department
from events.services import event_report, event_supervise, event_transition
from events.tests.factories import photo_upload, report_with
from governance.services import department_create
from grids.models import Area

from .conftest import CITY, COUNTY, TOWNSHIP

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, category, settings, tmp_path):
    """A case with a photo at its report, a file at a later step and a supervision card."""
    settings.MEDIA_ROOT = str(tmp_path)
    e = report_with(
        cast, category, photo_upload(), photo_upload("q.jpg"), code="0101", title="楼道漏水"
    )
    e = event_transition(
        actor=cast.village, event=e, action="accept", files=[photo_upload("r.jpg")]
    )
    event_supervise(actor=cast.dispatcher, event=e, colour="yellow", message="请加快")
    return Event.objects.get(pk=e.pk)


def test_the_trail_is_the_prefetchs_and_reads_nothing_more(case):
    orm = Event.objects.prefetch_related(
        "traces__attachments", "attachments", "supervisions__issued_by_area"
    ).get(pk=case.pk)
    with CaptureQueriesContext(connection) as q:
        traces = selectors.case_trail(event=case)
    assert len(q.captured_queries) == 3
    with CaptureQueriesContext(connection) as q:
        got = [(t.pk, t.action, [a.pk for a in t.attachments.all()]) for t in traces]
        files = sorted(a.pk for a in case.attachments.all())
        cards = [(c.pk, c.issued_by_area.name) for c in case.supervisions.all()]
        assert [t.pk for t in case.traces.all()] == [t.pk for t in traces]
    assert q.captured_queries == []
    assert got == [(t.pk, t.action, [a.pk for a in t.attachments.all()]) for t in orm.traces.all()]
    assert [len(a) for _pk, _action, a in got][:2] == [2, 1]  # the report's two, the accept's one
    assert files == sorted(a.pk for a in orm.attachments.all()) and len(files) == 3
    assert cards == [(c.pk, c.issued_by_area.name) for c in orm.supervisions.all()]
    assert cards[0][1] == "南关区"


def test_the_page_and_the_api_show_the_whole_trail(case, cast):
    client = Client()
    client.force_login(cast.dispatcher)
    page = client.get(f"/events/{case.number}/").content.decode()
    assert page.count('class="thumb"') == 3 and "请加快" in page and "南关区" in page
    detail = client.get(f"/api/v1/events/{case.number}/").json()
    assert [len(t["attachments"]) for t in detail["traces"]][:2] == [2, 1]
    assert len(detail["attachments"]) == 3
    assert detail["supervisions"][0]["issued_by_area"] == "南关区"
    # Another county's dispatcher: neither.
    client.force_login(cast.outsider)
    assert client.get(f"/events/{case.number}/").status_code == 404
    assert client.get(f"/api/v1/events/{case.number}/").status_code == 404


def test_the_dispatch_choices_are_the_querysets_at_every_depth(cast, category):
    city = Area.objects.get(code=CITY)
    department_create(actor=None, code="2201-ZJJ-T", name="长春市住建局", area=city)
    at_grid = event_report(
        actor=cast.worker, title="路灯不亮", category=category("0101"), grid=cast.grid
    )
    # A citizen's request known only down to the township (no grid yet): a shorter path.
    at_township = event_report(
        actor=None,
        source=Source.CITIZEN,
        title="噪音扰民",
        category=category("0101"),
        area=Area.objects.get(code=TOWNSHIP),
        reporter_name="张三",
        reporter_phone="13800000000",
    )
    for e in (at_grid, at_township):
        e = Event.objects.get(pk=e.pk)
        departments, units = selectors.dispatch_choices(event=e)
        assert departments == list(selectors.dispatch_departments(event=e))
        assert [d.name for d in departments][:1] == ["长春市住建局"]  # the city's first
        assert units == list(selectors.dispatch_units(event=e))
    assert len(at_grid.area_path) > len(at_township.area_path)
    assert selectors.dispatch_choices(event=Event.objects.get(pk=at_grid.pk))[1]  # a unit below
    assert COUNTY in Event.objects.get(pk=at_township.pk).area_path


def test_the_suggested_department_follows_the_rules(cast, category, api_client, make_user):
    from governance.roles import Role

    admin = make_user(Role.ADMIN, COUNTY, "kp_admin")
    e = event_report(actor=cast.worker, title="占道", category=category("0601"), grid=cast.grid)
    assert suggested_department(e) is None
    for code, dept in (("06", cast.dept_scj), ("0601", cast.dept_cgj)):
        r = api_client(admin).post(
            "/api/v1/routing-rules/",
            {"category": code, "area": COUNTY, "department": dept.code},
            format="json",
        )
        assert r.status_code == 201, r.content
    assert suggested_department(e) == cast.dept_cgj  # the more specific category
    other = event_report(actor=cast.worker, title="摊点", category=category("0603"), grid=cast.grid)
    assert suggested_department(other) == cast.dept_scj  # the parent category's
