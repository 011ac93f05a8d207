"""The cockpit's live feed against the real Redis (TEST_REDIS_URL): the outbox subscriber
appends one non-personal item per step, once per message; the SSE stream and the
recent-items API give each user exactly the cases they may read."""

import json

import pytest
from django.db import transaction
from django.test import override_settings

from cockpit import live, live_views
from events.models import Event, EventCategory
from events.services import event_report, event_supervise, event_transition, events_mark_due
from governance import outbox
from governance.models import OutboxMessage
from governance.outbox import outbox_drain
from governance.roles import Role
from governance.services import department_create
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db
PROVINCE, CITY = "220000000000", "220100000000"
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def stream(monkeypatch):
    """An empty stream, and short responses (each SSE response reads what is there and
    ends: 0.3 s blocks, 1 s in all)."""
    r = live.live_redis()
    r.delete(live.STREAM, *r.scan_iter(f"{live.SEEN_PREFIX}*"))
    monkeypatch.setattr(live_views, "LIVE_SECONDS", 1.0)
    monkeypatch.setattr(live_views, "BLOCK_MS", 300)
    yield r
    r.delete(live.STREAM, *r.scan_iter(f"{live.SEEN_PREFIX}*"))


@pytest.fixture
def cast(make_user):
    county = Area.objects.get(code=NANGUAN)
    cgj = department_create(actor=None, code="LIVE-CGJ", name="南关区城市管理局", area=county)
    scj = department_create(actor=None, code="LIVE-SCJ", name="南关区市场监管局", area=county)
    grid = Area.objects.filter(level=6, code__startswith=NANGUAN[:6]).order_by("code").first()
    kc_grid = Area.objects.filter(level=6, code__startswith=KUANCHENG[:6]).order_by("code").first()

    class Cast:
        pass

    c = Cast()
    c.grid, c.kc_grid, c.cgj, c.scj = grid, kc_grid, cgj, scj
    c.worker = make_user(Role.GRID_WORKER, grid.code, "live_worker")
    c.kc_worker = make_user(Role.GRID_WORKER, kc_grid.code, "live_kc_worker")
    c.ng = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "live_ng")
    c.kc = make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "live_kc")
    c.leader = make_user(Role.PROVINCE_LEADER, PROVINCE, "live_leader")
    c.cgj_user = make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "live_cgj", department=cgj)
    c.scj_user = make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "live_scj", department=scj)
    return c


def _report(worker, grid, title, code="0601", **kw):
    return event_report(
        actor=worker,
        title=title,
        category=EventCategory.objects.get(code=code),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
        description="描述不进入动态",
        **kw,
    )


def _committed(callbacks, fn, *args, **kw):
    """Run a service and the after-commit work it queued (eager outbox delivery pushes
    to the stream on commit; a test transaction never commits)."""
    with callbacks(execute=True):
        return fn(*args, **kw)


def _entries(r) -> list[tuple[str, dict]]:
    return [(i.decode(), json.loads(f[b"item"])) for i, f in r.xrange(live.STREAM)]


def _sse(client, user, area, **headers) -> tuple[object, list[dict], list[str]]:
    """The whole (short) SSE response: its items and every id it sent."""
    client.force_login(user)
    after = headers.pop("after", None)
    query = {"area": area, **({"after": after} if after else {})}
    r = client.get("/cockpit/live/", query, **headers)
    if r.status_code != 200:
        return r, [], []
    text = b"".join(r.streaming_content).decode()
    items, ids = [], []
    for block in text.split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                items.append(json.loads(line[6:]))
            elif line.startswith("id: "):
                ids.append(line[4:])
    return r, items, ids


def test_a_report_appends_one_non_personal_item(cast, stream, django_capture_on_commit_callbacks):
    e = _committed(
        django_capture_on_commit_callbacks,
        _report,
        cast.worker,
        cast.grid,
        "早市占道经营",
        reporter_phone=PHONE,
        urgency="urgent",
    )
    [(entry_id, item)] = _entries(stream)
    assert item["number"] == e.number and item["kind"] == "new" and item["action"] == "reported"
    assert item["title"] == "早市占道经营" and item["category"] == e.category.name
    assert item["area_path"] == cast.grid.path and item["place"] == cast.grid.name
    assert item["grid"] == {"code": cast.grid.code, "name": cast.grid.name}
    assert item["urgency"] == "urgent" and item["status"] == "reported" and item["at"]
    raw = stream.xrange(live.STREAM)[0][1][b"item"].decode()
    for personal in (PHONE, PHONE[-4:], "live_worker", "描述不进入动态"):
        assert personal not in raw
    # a step the feed does not show adds nothing
    _committed(
        django_capture_on_commit_callbacks,
        event_transition,
        actor=cast.ng,
        event=e,
        action="accept",
    )
    assert len(_entries(stream)) == 1


def test_nothing_is_pushed_for_a_report_rolled_back(
    cast, stream, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _report(cast.worker, cast.grid, "回滚的上报")
            raise RuntimeError
    assert _entries(stream) == []


@override_settings(OUTBOX_DRAIN_EAGER=False)
def test_redelivery_of_a_message_adds_nothing(cast, stream):
    e = _report(cast.worker, cast.grid, "重复投递")
    message = OutboxMessage.objects.get(topic="event.reported", payload__number=e.number)
    assert _entries(stream) == []  # nothing before the drain
    outbox_drain()
    assert [item["number"] for _i, item in _entries(stream)] == [e.number]
    # at-least-once: the same message handed over again (a drain that died before it
    # recorded the delivery)
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_to=[], processed_at=None)
    outbox_drain()
    live.live_on_events([message])
    assert len(_entries(stream)) == 1


@override_settings(OUTBOX_DRAIN_EAGER=False)
def test_a_drains_items_follow_the_order_the_steps_happened_in(cast, stream, monkeypatch):
    """One batch for every step of a drain, new cases and escalations together: a report
    after an escalation comes after it in the stream, and steps the feed does not show
    are passed over."""
    monkeypatch.setattr(outbox, "drain_schedule", lambda: None)
    monkeypatch.setattr(
        outbox, "_subscribers", [s for s in outbox._subscribers if s[1] == "cockpit.live"]
    )
    topics = ["event.escalate", "event.reported", "event.accept", "event.supervise"]
    for i, topic in enumerate([*topics, "event.reported"]):
        outbox.outbox_emit(
            topic=topic, payload={"number": f"SJ{i}", "title": f"t{i}"}, area_path=cast.grid.path
        )
    assert outbox_drain() == 5
    assert [item["number"] for _i, item in _entries(stream)] == ["SJ0", "SJ1", "SJ3", "SJ4"]


def test_escalation_supervision_and_overdue_are_escalated_items(
    cast, stream, make_user, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    village = make_user(Role.VILLAGE_STAFF, cast.grid.parent.code, "live_village")
    e = _committed(cb, _report, cast.worker, cast.grid, "楼上漏水", code="0101")
    assert e.current_area == cast.grid.parent  # a village accepts neighbour disputes
    e = _committed(cb, event_transition, actor=village, event=e, action="escalate", note="协调")
    _committed(cb, event_supervise, actor=cast.leader, event=e, colour="red", message="今日回复")
    Event.objects.filter(pk=e.pk).update(step_deadline=e.reported_at)
    _committed(cb, events_mark_due)
    got = [(item["action"], item["kind"], item["number"]) for _i, item in _entries(stream)]
    assert got == [
        ("reported", "new", e.number),
        ("escalate", "escalated", e.number),
        ("supervise", "escalated", e.number),
        ("overdue", "escalated", e.number),
    ]
    body = _recent(cast.ng, NANGUAN)
    assert [i["action_label"] for i in body["items"]] == ["超期", "督办", "上报上级", "新上报"]
    assert body["items"][0]["url"] == f"/events/{e.number}/"


def _recent(user, area, **query):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    r = client.get("/api/v1/cockpit/live/", {"area": area, **query})
    assert r.status_code == 200, r.content
    return r.json()


def test_sse_streams_a_new_item_and_only_to_those_who_may_see_it(
    cast, stream, client, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    client.force_login(cast.ng)
    opened = client.get("/cockpit/live/", {"area": NANGUAN})  # before the report
    assert opened.status_code == 200
    assert opened["Content-Type"].startswith("text/event-stream")
    assert opened["Cache-Control"] == "no-cache" and opened["X-Accel-Buffering"] == "no"
    e = _committed(cb, _report, cast.worker, cast.grid, "推送的新事件")
    text = b"".join(opened.streaming_content).decode()
    assert text.startswith("retry: ")
    [item] = [json.loads(x[6:]) for x in text.split("\n") if x.startswith("data: ")]
    assert item["number"] == e.number and item["title"] == "推送的新事件"
    assert item["place"] == cast.grid.name and item["status_label"] == "待受理"
    assert f"id: {item['id']}" in text

    # From the beginning of the stream: who sees it.
    for user, area, sees in (
        (cast.ng, NANGUAN, True),
        (cast.leader, PROVINCE, True),
        (cast.leader, KUANCHENG, False),  # the area asked for holds no such case
        (cast.kc, KUANCHENG, False),
        (cast.cgj_user, NANGUAN, False),  # not given to any department yet
    ):
        _r, items, _ids = _sse(client, user, area, after="0-0")
        assert [i["number"] for i in items] == ([e.number] if sees else []), (user, area)


def test_department_users_see_only_their_departments_cases(
    cast, stream, client, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    e = _committed(cb, _report, cast.worker, cast.grid, "占道经营给城管")  # 0601: the county
    _committed(cb, event_transition, actor=cast.ng, event=e, action="accept")
    _committed(cb, event_transition, actor=cast.ng, event=e, action="dispatch", department=cast.cgj)
    _committed(cb, event_supervise, actor=cast.leader, event=e, colour="yellow", message="请关注")
    other = _committed(cb, _report, cast.kc_worker, cast.kc_grid, "宽城区的事件")
    _r, items, _ids = _sse(client, cast.cgj_user, NANGUAN, after="0-0")
    assert [(i["number"], i["action"]) for i in items] == [
        (e.number, "reported"),
        (e.number, "supervise"),
    ]
    for user, area in ((cast.scj_user, NANGUAN), (cast.kc, KUANCHENG)):
        _r, items, _ids = _sse(client, user, area, after="0-0")
        assert e.number not in {i["number"] for i in items}, user
    assert [i["number"] for i in _sse(client, cast.kc, KUANCHENG, after="0-0")[1]] == [other.number]
    assert [i["number"] for i in _recent(cast.scj_user, NANGUAN)["items"]] == []
    assert {i["number"] for i in _recent(cast.cgj_user, NANGUAN)["items"]} == {e.number}


def test_last_event_id_resumes(cast, stream, client, django_capture_on_commit_callbacks):
    cb = django_capture_on_commit_callbacks
    first = _committed(cb, _report, cast.worker, cast.grid, "第一件")
    second = _committed(cb, _report, cast.worker, cast.grid, "第二件")
    hidden = _committed(cb, _report, cast.kc_worker, cast.kc_grid, "别处的第三件")
    _r, items, ids = _sse(client, cast.ng, NANGUAN, after="0-0")
    assert [i["number"] for i in items] == [first.number, second.number]
    # the last id sent moves past the entry this user does not see
    last = stream.xrevrange(live.STREAM, count=1)[0][0].decode()
    assert ids[-1] == last and hidden.number not in {i["number"] for i in items}
    # a reconnect sends Last-Event-ID: it resumes after it (and wins over ?after=)
    _r, items, _ids = _sse(client, cast.ng, NANGUAN, HTTP_LAST_EVENT_ID=ids[0], after="0-0")
    assert [i["number"] for i in items] == [second.number]
    _r, items, _ids = _sse(client, cast.ng, NANGUAN, HTTP_LAST_EVENT_ID=last)
    assert items == []


def test_recent_items_api(cast, stream, django_capture_on_commit_callbacks):
    cb = django_capture_on_commit_callbacks
    numbers = [_committed(cb, _report, cast.worker, cast.grid, f"事件{n}").number for n in range(3)]
    _committed(cb, _report, cast.kc_worker, cast.kc_grid, "宽城区")
    body = _recent(cast.ng, NANGUAN)
    assert body["area"] == {"code": NANGUAN, "name": "南关区", "level": 3}
    assert [i["number"] for i in body["items"]] == numbers[::-1]  # newest first
    assert body["last_id"] == stream.xrevrange(live.STREAM, count=1)[0][0].decode()
    assert [i["number"] for i in _recent(cast.ng, NANGUAN, limit=2)["items"]] == numbers[:0:-1]
    assert _recent(cast.kc, KUANCHENG)["items"][0]["title"] == "宽城区"
    assert len(_recent(cast.kc, KUANCHENG)["items"]) == 1
    assert _recent(cast.ng, "")["area"]["code"] == NANGUAN  # default: the top


def test_bad_areas_and_cursors(cast, client, api_client):
    client.force_login(cast.ng)
    api = api_client(cast.ng)
    for outside in (KUANCHENG, CITY, PROVINCE, "220102999999"):
        assert client.get("/cockpit/live/", {"area": outside}).status_code == 404, outside
        r = api.get("/api/v1/cockpit/live/", {"area": outside})
        assert r.status_code == 404 and r.json()["code"] == "not_found", outside
    for bad in ("abc", "2201", "22010200000x"):
        assert client.get("/cockpit/live/", {"area": bad}).status_code == 400, bad
        r = api.get("/api/v1/cockpit/live/", {"area": bad})
        assert r.status_code == 400 and r.json()["code"] == "invalid_area", bad
    r = client.get("/cockpit/live/", {"area": NANGUAN}, HTTP_LAST_EVENT_ID="x; DROP")
    assert r.status_code == 400 and "位置标识" in r.content.decode()
    assert client.get("/cockpit/live/", {"area": NANGUAN, "after": "1-x"}).status_code == 400
    for limit in ("0", "101", "-1", "x", "²", "1.5"):
        r = api.get("/api/v1/cockpit/live/", {"area": NANGUAN, "limit": limit})
        assert r.status_code == 400 and r.json()["code"] == "invalid_limit", limit
    assert client.post("/cockpit/live/", {"area": NANGUAN}).status_code == 405


def test_anonymous_is_sent_to_log_in(client):
    r = client.get("/cockpit/live/", {"area": NANGUAN})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client.get("/api/v1/cockpit/live/").status_code in (401, 403)


def test_the_recent_items_api_is_in_the_schema(client, make_user):
    client.force_login(make_user(Role.PROVINCE_LEADER, PROVINCE, "schema_leader"))
    schema = client.get("/api/schema/?format=json").json()
    op = schema["paths"]["/api/v1/cockpit/live/"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"area", "limit"}
