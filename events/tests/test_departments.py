"""Department systems: token API without shared accounts, idempotent requests, and
signed webhooks on every transition."""

import pytest
from rest_framework.test import APIClient

from events.models import Status
from events.services import event_transition
from integrations.models import WebhookDelivery
from integrations.services import department_token_issue, webhook_subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(cast, reported):
    e = reported("0601")
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    return event_transition(
        actor=cast.dispatcher, event=e, action="dispatch", department=cast.dept_cgj, note="请处理"
    )


def dept_client(department):
    _token, key = department_token_issue(actor=None, department=department, name="城管业务系统")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Department {key}")
    return client


def test_department_system_signs_updates_and_closes(cast, dispatched, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events.tests.factories import jpeg_bytes

    client = dept_client(cast.dept_cgj)
    mine = client.get("/api/v1/events/", {"box": "todo"}).json()
    assert [x["number"] for x in mine["results"]] == [dispatched.number]
    n = dispatched.number
    assert client.post(f"/api/v1/events/{n}/actions/sign/", {}).json()["status"] == "handling"
    r = client.post(
        f"/api/v1/events/{n}/progress/",
        {
            "note": "已派执法队员到场",
            "files": [SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")],
        },
        format="multipart",
    )
    assert r.status_code == 200 and len(r.json()["attachments"]) == 1
    r = client.post(f"/api/v1/events/{n}/actions/close/", {"note": "已清理"})
    assert r.status_code == 200 and r.json()["status"] == Status.CLOSED


def test_department_system_returns_a_case(cast, dispatched):
    client = dept_client(cast.dept_cgj)
    r = client.post(
        f"/api/v1/events/{dispatched.number}/actions/send_back/", {"note": "不属于本部门职责"}
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"


def test_other_department_sees_nothing_of_it(cast, dispatched):
    other = dept_client(cast.dept_scj)
    r = other.post(f"/api/v1/events/{dispatched.number}/actions/sign/", {})
    assert r.status_code == 404
    assert other.get("/api/v1/events/", {"box": "all"}).json()["count"] == 0


def test_a_department_sees_only_the_cases_it_was_involved_in(cast, reported):
    from events.models import Event

    mine, not_mine = reported("0601"), reported("0603", title="别的事")
    assert not Event.objects.restrict(cast.chengguan).exists()  # nothing dispatched yet
    event_transition(actor=cast.dispatcher, event=mine, action="accept")
    event_transition(actor=cast.dispatcher, event=mine, action="dispatch", department=cast.dept_scj)
    e = event_transition(
        actor=cast.dispatcher, event=mine, action="transfer", department=cast.dept_cgj
    )
    assert e.departments == [cast.dept_scj.pk, cast.dept_cgj.pk]
    for handler in (cast.chengguan, cast.market):  # both keep seeing what they touched
        visible = set(Event.objects.restrict(handler).values_list("number", flat=True))
        assert visible == {mine.number}
    assert not_mine.number not in visible
    # The county's own staff still see every case of the county.
    assert Event.objects.restrict(cast.dispatcher).count() == 2


def test_bad_token_is_refused(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Department gdt_wrong")
    assert client.get("/api/v1/events/").status_code in (401, 403)


def test_same_idempotency_key_is_applied_once(cast, dispatched):
    client = dept_client(cast.dept_cgj)
    url = f"/api/v1/events/{dispatched.number}/actions/sign/"
    first = client.post(url, {"note": "签收"}, HTTP_IDEMPOTENCY_KEY="sign-001")
    again = client.post(url, {"note": "签收"}, HTTP_IDEMPOTENCY_KEY="sign-001")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert dispatched.traces.filter(action="sign").count() == 1
    other = client.post(url, {"note": "不同内容"}, HTTP_IDEMPOTENCY_KEY="sign-001")
    assert other.status_code == 422


def test_report_with_idempotency_key_creates_one_case(api_client, cast):
    from events.models import Event

    g = cast.grid
    c = api_client(cast.worker)
    body = {"title": "重复提交", "category": "0101", "lng": g.centroid.x, "lat": g.centroid.y}
    a = c.post("/api/v1/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    b = c.post("/api/v1/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert a.status_code == b.status_code == 201 and a.json()["number"] == b.json()["number"]
    assert Event.objects.filter(title="重复提交").count() == 1


def test_every_transition_publishes_a_webhook_to_the_department(cast, reported):
    webhook_subscription_create(
        actor=None, department=cast.dept_cgj, url="http://127.0.0.1:9/hook", event_types=["event.*"]
    )
    e = reported("0601")
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    e = event_transition(
        actor=cast.dispatcher, event=e, action="dispatch", department=cast.dept_cgj
    )
    event_transition(actor=cast.chengguan, event=e, action="sign")
    types = list(
        WebhookDelivery.objects.filter(subscription__department=cast.dept_cgj)
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert types[-2:] == ["event.dispatch", "event.sign"]
    payload = WebhookDelivery.objects.filter(event_type="event.sign").latest("id").payload
    assert payload["number"] == e.number and payload["status"] == "handling"
    assert payload["current_department"] == cast.dept_cgj.code
