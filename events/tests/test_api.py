import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.models import Event, Status
from events.tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db


def test_report_through_the_api_with_a_photo(api_client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    g = cast.grid
    r = api_client(cast.worker).post(
        "/api/v1/events/",
        {
            "title": "垃圾堆放",
            "category": "0501",
            "lng": g.centroid.x,
            "lat": g.centroid.y,
            "files": [SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "reported" and body["grid"] == g.code
    assert len(body["attachments"]) == 1 and body["attachments"][0]["thumbnail_url"]
    assert [t["action"] for t in body["traces"]] == ["report"]


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"title": "x", "category": "0501"}, "required"),  # no place
        ({"title": "x", "category": "0501", "lng": 116.4, "lat": 39.9}, "outside_grids"),
        ({"title": "x", "category": "0501", "lng": 999, "lat": 39.9}, "invalid"),
        ({"title": "x", "category": "nope", "lng": 125.3, "lat": 43.8}, "invalid"),
    ],
)
def test_bad_reports_get_a_clear_400(api_client, cast, payload, code):
    r = api_client(cast.worker).post("/api/v1/events/", payload, format="json")
    assert r.status_code == 400
    assert set(r.json()) >= {"detail", "code"}
    assert Event.objects.count() == 0


def test_report_outside_jurisdiction_grid_is_refused(api_client, cast, first_grid):
    other = first_grid("220103000000")
    r = api_client(cast.worker).post(
        "/api/v1/events/",
        {"title": "x", "category": "0501", "lng": other.centroid.x, "lat": other.centroid.y},
        format="json",
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_actions_through_the_api(api_client, cast, reported):
    e = reported("0601")
    d = api_client(cast.dispatcher)
    assert d.post(f"/api/v1/events/{e.number}/actions/accept/", {}).status_code == 200
    r = d.post(
        f"/api/v1/events/{e.number}/actions/dispatch/",
        {"department": cast.dept_cgj.code, "note": "请处理"},
    )
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    r = api_client(cast.chengguan).get(f"/api/v1/events/{e.number}/")
    assert r.json()["actions"] == ["sign", "send_back"]
    r = api_client(cast.chengguan).post(f"/api/v1/events/{e.number}/actions/close/", {"note": "x"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_state"
    r = api_client(cast.worker).post(f"/api/v1/events/{e.number}/actions/sign/", {})
    assert r.status_code == 403 and "无权" in r.json()["detail"]


def test_inbox_boxes(api_client, cast, reported):
    e = reported()
    c = api_client(cast.village)
    todo = c.get("/api/v1/events/", {"box": "todo"}).json()
    assert [x["number"] for x in todo["results"]] == [e.number]
    c.post(f"/api/v1/events/{e.number}/actions/escalate/", {"note": "请街道处理"})
    assert c.get("/api/v1/events/", {"box": "todo"}).json()["count"] == 0
    assert c.get("/api/v1/events/", {"box": "done"}).json()["count"] == 1
    t = api_client(cast.township).get("/api/v1/events/", {"box": "todo"}).json()
    assert t["count"] == 1


def test_scoping_on_every_event_endpoint(api_client, cast, reported):
    e = reported()
    out = api_client(cast.outsider)
    assert out.get("/api/v1/events/").json()["count"] == 0
    assert out.get("/api/v1/events/", {"box": "all", "q": e.number}).json()["count"] == 0
    for url in (f"/api/v1/events/{e.number}/",):
        assert out.get(url).status_code == 404
    for action in ("actions/accept/", "supervise/", "suspend/", "resume/"):
        r = out.post(f"/api/v1/events/{e.number}/{action}", {"colour": "red", "message": "x"})
        assert r.status_code == 404, action
    g = cast.grid
    dup = out.get(
        "/api/v1/events/duplicates/", {"category": "0101", "lng": g.centroid.x, "lat": g.centroid.y}
    ).json()
    assert dup == []


def test_duplicates_are_suggested_within_50_m(api_client, cast, reported):
    e = reported()
    g = cast.grid
    r = api_client(cast.village).get(
        "/api/v1/events/duplicates/",
        {"category": "0101", "lng": g.centroid.x, "lat": g.centroid.y + 0.0003},
    )  # ~33 m north
    assert [x["number"] for x in r.json()] == [e.number]
    r = api_client(cast.village).get(
        "/api/v1/events/duplicates/",
        {"category": "0101", "lng": g.centroid.x, "lat": g.centroid.y + 0.001},
    )  # ~110 m
    assert r.json() == []


def test_phone_is_masked_for_leaders(api_client, cast, reported):
    e = reported()
    Event.objects.filter(pk=e.pk).update(reporter_phone="13812345678")
    assert (
        api_client(cast.leader).get(f"/api/v1/events/{e.number}/").json()["reporter_phone"]
        == "138****5678"
    )
    assert (
        api_client(cast.village).get(f"/api/v1/events/{e.number}/").json()["reporter_phone"]
        == "13812345678"
    )


def test_supervise_through_the_api(api_client, cast, reported):
    e = reported()
    r = api_client(cast.dispatcher).post(
        f"/api/v1/events/{e.number}/supervise/", {"colour": "yellow", "message": "请加快"}
    )
    assert r.status_code == 201
    boxes = api_client(cast.dispatcher).get("/api/v1/events/", {"box": "supervised"}).json()
    assert boxes["count"] == 1
    assert Event.objects.get(pk=e.pk).status == Status.REPORTED


def test_categories_api(api_client, cast):
    r = api_client(cast.worker).get("/api/v1/event-categories/")
    codes = [c["code"] for c in r.json()]
    assert "0101" in codes and "06" in codes
