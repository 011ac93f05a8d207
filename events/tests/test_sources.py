"""Issue 9: the report's source follows from who reports and through what channel — one
rule (events/sources.py) for the page and the API; and a step's targets named by code
are looked up by one scoped selector each, with the same answer on the page and the API."""

import pytest

from events.models import Event, Source
from events.services import event_transition
from events.sources import API, PAGE, report_source
from governance.services import department_create
from grids.models import Area

pytestmark = pytest.mark.django_db


def _page_report(client, user, grid, title):
    client.force_login(user)
    r = client.post(
        "/events/report/",
        {
            "category": "0302",
            "title": title,
            "urgency": "normal",
            "lng": grid.centroid.x,
            "lat": grid.centroid.y,
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    return Event.objects.get(title=title)


@pytest.mark.parametrize(
    "who,source",
    [
        ("worker", Source.GRID_WORKER),
        ("village", Source.STAFF),
        ("township", Source.STAFF),
        ("dispatcher", Source.STAFF),
    ],
)
def test_a_page_report_records_who_reported(client, cast, category, who, source):
    category("0302")
    e = _page_report(client, getattr(cast, who), cast.grid, f"页面上报 {who}")
    assert e.source == source


@pytest.mark.parametrize("who,source", [("worker", Source.GRID_WORKER), ("dispatcher", Source.API)])
def test_an_api_report_records_who_reported(api_client, cast, category, who, source):
    category("0101")
    r = api_client(getattr(cast, who)).post(
        "/api/v1/events/",
        {"title": f"接口上报 {who}", "category": "0101", "grid": cast.grid.code},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert Event.objects.get(number=r.json()["number"]).source == source


def test_the_rule(cast):
    for channel in (PAGE, API):
        assert report_source(actor=cast.worker, channel=channel) == Source.GRID_WORKER
        assert report_source(actor=cast.chengguan, channel=channel) == Source.DEPARTMENT
    assert report_source(actor=cast.village, channel=PAGE) == Source.STAFF
    assert report_source(actor=cast.village, channel=API) == Source.API
    with pytest.raises(ValueError):
        report_source(actor=cast.worker, channel="fax")


def test_unknown_targets_get_the_same_answer_on_page_and_api(client, api_client, cast, reported):
    e = reported("0601")  # the county accepts
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    url = f"/api/v1/events/{e.number}/actions/dispatch/"
    for body in (
        {"department": "NO-SUCH-DEPT"},
        {"unit": "220102001001"},  # a village:
        {"unit": "999999999999"},
    ):  # not directly below the county
        r = api_client(cast.dispatcher).post(url, {**body, "note": "派"}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "invalid_target", r.content
        client.force_login(cast.dispatcher)
        page = client.post(
            f"/events/{e.number}/",
            {"kind": "transition", "action": "dispatch", "note": "派", **body},
            follow=True,
        )
        assert "部门、单位或事件不存在" in page.content.decode()
    # Another county's department exists but is not a target: refused (403), as the service
    # refuses it, on the page too.
    department_create(
        actor=None, code="220103-X", name="宽城区某局", area=Area.objects.get(code="220103000000")
    )
    r = api_client(cast.dispatcher).post(url, {"department": "220103-X"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    page = client.post(
        f"/events/{e.number}/",
        {"kind": "transition", "action": "dispatch", "department": "220103-X"},
        follow=True,
    )
    assert "该部门不在本事件的分派范围内" in page.content.decode()
    assert Event.objects.get(pk=e.pk).status == "accepted"


def test_a_merge_target_out_of_sight_is_unknown(client, api_client, cast, reported):
    e = reported("0101")
    hidden = reported("0101")
    Event.objects.filter(pk=hidden.pk).update(area_path="9999")  # nobody's jurisdiction
    url = f"/api/v1/events/{e.number}/actions/merge/"
    r = api_client(cast.village).post(url, {"into": hidden.number, "note": "重复"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_target", r.content
    client.force_login(cast.village)
    page = client.post(
        f"/events/{e.number}/",
        {"kind": "transition", "action": "merge", "into": hidden.number},
        follow=True,
    )
    assert "部门、单位或事件不存在" in page.content.decode()
    assert Event.objects.get(pk=e.pk).status == "reported"
