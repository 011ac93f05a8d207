import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.models import Event, Status
from events.tests.factories import jpeg_bytes
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_inbox_shows_boxes_with_counts(client, cast, reported):
    e = reported()
    client.force_login(cast.village)
    html = client.get("/events/").content.decode()
    assert e.number in html and "待办" in html and "督办" in html and "超期" in html


def test_detail_shows_timeline_map_and_allowed_actions(client, cast, reported):
    e = reported()
    client.force_login(cast.village)
    html = client.get(f"/events/{e.number}/").content.decode()
    assert 'id="timeline"' in html and 'data-action="report"' in html
    assert 'data-action="accept"' in html and 'id="event-map"' in html
    client.force_login(cast.worker)
    html = client.get(f"/events/{e.number}/").content.decode()
    assert 'data-action="accept"' not in html and "当前没有您可执行的操作" in html


def test_action_form_performs_the_step(client, cast, reported):
    e = reported()
    client.force_login(cast.village)
    r = client.post(f"/events/{e.number}/", {"action": "accept", "note": "已受理"})
    assert r.status_code == 302
    assert Event.objects.get(pk=e.pk).status == Status.ACCEPTED
    r = client.post(f"/events/{e.number}/", {"action": "close", "note": "x"}, follow=True)
    assert "不能执行" in r.content.decode()  # a clear message, nothing changed
    assert Event.objects.get(pk=e.pk).status == Status.ACCEPTED


def test_detail_outside_jurisdiction_is_404(client, cast, reported):
    e = reported()
    client.force_login(cast.outsider)
    assert client.get(f"/events/{e.number}/").status_code == 404
    assert client.post(f"/events/{e.number}/", {"action": "accept"}).status_code == 404
    assert e.number not in client.get("/events/?box=all").content.decode()


def test_report_form_on_a_phone(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(cast.worker)
    html = client.get("/events/report/").content.decode()
    assert 'capture="environment"' in html and 'id="use-location"' in html

    g = cast.grid
    r = client.post(
        "/events/report/",
        {
            "category": "0302",
            "title": "楼道电动车充电",
            "urgency": "urgent",
            "lng": g.centroid.x,
            "lat": g.centroid.y,
            "photos": SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"),
        },
    )
    assert r.status_code == 302
    e = Event.objects.get(title="楼道电动车充电")
    assert e.attachments.count() == 1 and e.grid == g and e.urgency == "urgent"


def test_report_form_errors_are_shown_in_chinese(client, cast):
    client.force_login(cast.worker)
    r = client.post("/events/report/", {"title": ""})
    html = r.content.decode()
    assert r.status_code == 200 and "请在地图上选择位置" in html
    assert Event.objects.count() == 0


def test_supervise_from_the_page(client, cast, reported):
    e = reported()
    client.force_login(cast.dispatcher)
    client.post(
        f"/events/{e.number}/",
        {"kind": "supervise", "colour": "red", "message": "请今日办结", "days": 1},
    )
    assert e.supervisions.count() == 1
    client.force_login(cast.village)
    html = client.get(f"/events/{e.number}/").content.decode()
    assert "红牌督办" in html


def test_notifications_page_and_api(client, cast, reported):
    reported()
    client.force_login(cast.village)
    html = client.get("/").content.decode()
    assert 'class="count">1<' in html
    assert "新事件待受理" in client.get("/notifications/").content.decode()
    api = client.get("/api/v1/notifications/", {"unread": 1}).json()
    assert api["count"] == 1
    client.post("/notifications/")
    assert client.get("/api/v1/notifications/", {"unread": 1}).json()["count"] == 0
    client.force_login(cast.outsider)
    assert client.get("/api/v1/notifications/").json()["count"] == 0


def test_the_inbox_pager_counts_the_box_it_shows(client, make_user):
    """The pager takes the box's count from the tabs' statement; with a search or a
    status filter it counts what is shown."""
    from events.models import EventCategory
    from events.services import event_report
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, "220102000000")
    category = EventCategory.objects.get(code="0601")
    for i in range(23):
        event_report(actor=worker, title=f"占道{i}", category=category, grid=grid)
    event_report(actor=worker, title="另一件事", category=category, grid=grid)
    client.force_login(dispatcher)
    page2 = client.get("/events/?box=todo&page=2").content.decode()
    assert page2.count('href="/events/SJ') // 2 == 4
    assert "<b>24</b>" in page2
    found = client.get("/events/?box=todo&q=另一件").content.decode()
    assert found.count('href="/events/SJ') // 2 == 1
    assert "page=2" not in found
