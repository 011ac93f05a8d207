import re

import pytest
from django.core import signing

from events.models import Event, Status
from events.public import CHALLENGE_SALT
from events.services import event_transition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    from django.core.cache import cache

    cache.delete("public-report:127.0.0.1")


def _form(client):
    html = client.get("/public/report/").content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    data = signing.loads(token, salt=CHALLENGE_SALT)
    # The form must be at least a few seconds old: age the token like a real visitor.
    data["t"] -= 10
    return signing.dumps(data, salt=CHALLENGE_SALT), str(data["sum"])


def _post(client, grid, **over):
    token, answer = _form(client)
    data = {"category": _category_pk("0101"), "description": "楼上住户漏水,协商无果",
            "lng": grid.centroid.x, "lat": grid.centroid.y, "phone": "13912345678",
            "challenge": token, "answer": answer}
    data.update(over)
    return client.post("/public/report/", data)


def _category_pk(code):
    from events.models import EventCategory

    return EventCategory.objects.get(code=code).pk


def test_citizen_reports_and_waits_for_moderation(client, cast):
    r = _post(client, cast.grid)
    assert r.status_code == 200
    html = r.content.decode()
    number = re.search(r'id="number">([^<]+)<', html).group(1)
    code = re.search(r'id="code">([^<]+)<', html).group(1)
    e = Event.objects.get(number=number)
    assert e.status == Status.PENDING_REVIEW and e.tracking_code == code and e.reporter is None
    # Staff see it in their to-do list and approve it into the process.
    assert cast.village.notifications.filter(kind="event.new").exists()
    event_transition(actor=cast.village, event=e, action="approve")
    e.refresh_from_db()
    assert e.status == Status.REPORTED and e.step_deadline is not None


def test_wrong_or_too_fast_answer_is_refused(client, cast):
    r = _post(client, cast.grid, answer="99")
    assert r.status_code == 400 and "验证答案不正确" in r.content.decode()
    html = client.get("/public/report/").content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    fast = _post(client, cast.grid, challenge=token,
                 answer=str(signing.loads(token, salt=CHALLENGE_SALT)["sum"]))
    assert fast.status_code == 400 and "提交过快" in fast.content.decode()
    assert Event.objects.count() == 0


def test_rate_limit_per_address(client, cast, settings):
    settings.PUBLIC_REPORTS_PER_HOUR = 2
    assert _post(client, cast.grid).status_code == 200
    assert _post(client, cast.grid).status_code == 200
    r = _post(client, cast.grid)
    assert r.status_code == 429 and "过于频繁" in r.content.decode()
    assert Event.objects.count() == 2


def test_track_and_rate(client, cast):
    r = _post(client, cast.grid)
    html = r.content.decode()
    number = re.search(r'id="number">([^<]+)<', html).group(1)
    code = re.search(r'id="code">([^<]+)<', html).group(1)
    e = Event.objects.get(number=number)
    page = client.post("/public/track/", {"number": number, "code": code})
    assert page.status_code == 200 and "待审核" in page.content.decode()
    assert "139****5678" in page.content.decode() and "13912345678" not in page.content.decode()
    assert client.post("/public/track/", {"number": number, "code": "WRONG"}).status_code == 404
    for actor, action, kw in [(cast.village, "approve", {}), (cast.village, "accept", {}),
                              (cast.village, "handle", {}),
                              (cast.village, "close", {"note": "已约谈店主"}),
                              (cast.worker, "verify", {})]:
        event_transition(actor=actor, event=e, action=action, **kw)
    r = client.post("/public/track/", {"number": number, "code": code, "rating": "4"})
    assert r.status_code == 200
    e.refresh_from_db()
    assert e.status == Status.ARCHIVED and e.rating == 4
    # Staff names never appear on the public page.
    assert cast.village.username not in client.post(
        "/public/track/", {"number": number, "code": code}).content.decode()


def test_tracking_code_never_travels_in_the_url(client, cast):
    """Query strings end up in proxy and access logs: the code is read from the POST body
    only, and every form that sends it posts."""
    html = _post(client, cast.grid).content.decode()
    number = re.search(r'id="number">([^<]+)<', html).group(1)
    code = re.search(r'id="code">([^<]+)<', html).group(1)
    assert f"code={code}" not in html  # the "view progress" button posts the code
    page = client.get("/public/track/", {"number": number, "code": code})
    assert page.status_code == 200 and "待审核" not in page.content.decode()
    form = client.get("/public/track/").content.decode()
    assert '<form method="post">' in form and 'method="get"' not in form
    looked_up = client.post("/public/track/", {"number": number, "code": code.lower()})
    assert "待审核" in looked_up.content.decode()
    assert looked_up["Cache-Control"] == "no-store"
    e = Event.objects.get(number=number)
    assert e.rating is None  # a lookup is not a rating


def test_public_page_needs_no_login_and_is_mobile(client):
    r = client.get("/public/report/")
    assert r.status_code == 200 and 'name="viewport"' in r.content.decode()
