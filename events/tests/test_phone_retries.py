"""The phone's event writes resent from its outbox (issue 17): a report with photos and a
progress note with a photo, each sent twice with one `Idempotency-Key` (the first answer
lost), are stored once — case, trace and photo files alike."""

import pytest

from events.models import Attachment, Event
from events.services import event_transition
from events.tests.factories import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _photo(name="院内.jpg", color=(200, 80, 40)):
    return photo_upload(name, color)


def test_a_report_with_photos_resent_is_one_case_with_its_photos(api_client, cast):
    g = cast.grid
    client = api_client(cast.worker)

    def send(color=(200, 80, 40)):
        body = {
            "title": "院墙倒塌",
            "category": "0101",
            "lng": g.centroid.x,
            "lat": g.centroid.y,
            "files": [_photo(color=color), _photo("近景.jpg")],
        }
        return client.post(
            "/api/v1/events/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="report-7f3a"
        )

    first = send()
    assert first.status_code == 201, first.content
    again = send()
    assert (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotent-Replayed"] == "true"
    event = Event.objects.get(title="院墙倒塌")
    assert Attachment.objects.filter(event=event).count() == 2
    # Another photo under the same key is another request: refused, nothing stored.
    other = send(color=(10, 10, 10))
    assert other.status_code == 422 and other.json()["code"] == "idempotency_conflict"
    assert Event.objects.filter(title="院墙倒塌").count() == 1
    assert Attachment.objects.count() == 2


def test_a_progress_photo_resent_is_stored_once(api_client, cast, reported):
    event = reported("0601")
    event_transition(actor=cast.dispatcher, event=event, action="accept")
    event_transition(
        actor=cast.dispatcher, event=event, action="dispatch", department=cast.dept_cgj
    )
    client = api_client(cast.chengguan)
    url = f"/api/v1/events/{event.number}/progress/"

    def send():
        return client.post(
            url,
            {"note": "已到场查看", "files": [_photo()]},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="progress-0001",
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 200, first.content
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert event.attachments.count() == 1
    assert event.traces.filter(note="已到场查看").count() == 1
