"""Issue 11, "Language and wording" and lists on the case pages: messages say what
happened and errors look like errors; the inbox has numbered pages, sortable columns
(whitelisted keys), the urgency, the report time and the grid; 超期 is red only when
something is overdue; notifications do not repeat their title."""

import pytest
from django.contrib.messages import constants

from events.models import Source, Urgency
from events.services import event_report, event_transition

pytestmark = pytest.mark.django_db


def _messages(response):
    return [(m.level, str(m)) for m in response.context["messages"]]


def test_dispatch_says_where_the_case_went(client, cast, reported):
    e = reported()
    e = event_transition(actor=cast.village, event=e, action="escalate", note="超出社区能力")
    e = event_transition(actor=cast.township, event=e, action="escalate", note="需县级协调")
    e = event_transition(actor=cast.dispatcher, event=e, action="accept")
    client.force_login(cast.dispatcher)
    r = client.post(
        f"/events/{e.number}/",
        {"action": "dispatch", "note": "请处理", "department": cast.dept_cgj.code},
        follow=True,
    )
    assert (constants.SUCCESS, "已分派至南关区城市管理局。") in _messages(r)
    assert "操作成功" not in r.content.decode()


def test_close_without_a_note_asks_for_the_result_as_an_error(client, cast, reported):
    e = reported()
    client.force_login(cast.village)
    client.post(f"/events/{e.number}/", {"action": "accept", "note": "已受理"})
    client.post(f"/events/{e.number}/", {"action": "handle", "note": "自行办理"})
    r = client.post(f"/events/{e.number}/", {"action": "close", "note": ""}, follow=True)
    level, text = _messages(r)[-1]
    assert level == constants.ERROR and "办理结果" in text and text != "请填写原因。"
    assert 'class="error" role="alert"' in r.content.decode()


def test_inbox_has_urgency_time_grid_and_numbered_pages(client, cast, reported):
    for n in range(45):
        reported(title=f"事件{n:02d}")
    client.force_login(cast.village)
    html = client.get("/events/?box=all&page=2").content.decode()
    assert "紧急程度" in html and "上报时间" in html and cast.grid.name in html
    # Pages by number, the current one marked, the filters kept in every link.
    assert 'aria-current="page">2<' in html and "box=all&amp;page=3" in html
    assert "box=all&amp;page=1" in html


def test_inbox_sorts_by_whitelisted_columns_only(client, cast, reported):
    low = reported(title="一般事件")
    high = reported(title="特急事件", urgency=Urgency.CRITICAL)
    client.force_login(cast.village)
    urgent_first = client.get("/events/?box=all&sort=urgency").context["page"].object_list
    assert [e.pk for e in urgent_first][:1] == [high.pk]
    urgent_last = client.get("/events/?box=all&sort=-urgency").context["page"].object_list
    assert [e.pk for e in urgent_last][-1:] == [high.pk]
    # A field name that is not a sort key is ignored, never passed to the database.
    r = client.get("/events/?box=all&sort=reporter_phone")
    assert r.status_code == 200 and {e.pk for e in r.context["page"]} == {low.pk, high.pk}


def test_overdue_box_is_red_only_when_something_is_overdue(client, cast, reported):
    reported()
    client.force_login(cast.village)
    html = client.get("/events/").content.decode()
    assert 'class="overdue"' not in html


def test_notifications_do_not_repeat_the_title(client, cast, reported):
    e = reported(title="楼道堆物")
    note = cast.village.notifications.get()
    assert e.title in note.title and e.title not in note.body and e.number in note.body


def test_public_tracking_shows_steps_in_chinese(client, cast, category):
    e = event_report(
        actor=None,
        source=Source.CITIZEN,
        title="路灯不亮",
        description="路灯不亮",
        category=category(),
        lng=cast.grid.centroid.x,
        lat=cast.grid.centroid.y,
        reporter_phone="13800001234",
    )
    r = client.post("/public/track/", {"number": e.number, "code": e.tracking_code})
    html = r.content.decode()
    timeline = html[html.index('class="timeline"') :]
    assert "上报" in timeline and "report" not in timeline


def test_public_form_gives_the_phone_keypad_and_a_favicon(client):
    html = client.get("/public/report/").content.decode()
    phone = html[html.index('name="phone"') - 200 : html.index('name="phone"') + 200]
    assert 'inputmode="tel"' in phone and 'autocomplete="tel"' in phone
    assert 'rel="icon"' in html


def test_report_map_draws_the_workers_grid_and_names_the_picked_grid(client, cast):
    client.force_login(cast.worker)
    html = client.get("/events/report/").content.decode()
    assert f'data-outline-url="/api/v1/areas/{cast.grid.code}/geojson/"' in html
    assert 'data-locate-url="/api/v1/areas/locate/"' in html and 'id="picked-grid"' in html


def test_report_map_brings_the_neighbouring_grids_as_data(client, cast):
    client.force_login(cast.worker)
    html = client.get("/events/report/").content.decode()
    assert '<script id="pick-neighbours" type="application/json">' in html
