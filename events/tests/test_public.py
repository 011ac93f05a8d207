import re

import pytest
from django.core import signing

from events.models import Event, Status
from events.public import CHALLENGE_SALT, _challenge_key
from events.services import event_transition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    from django.core.cache import cache

    cache.delete_many(["public-report:127.0.0.1", "public-track-fail:127.0.0.1"])


def _served(client):
    """(token, answer) of a freshly served form; the answer is read from the question a
    person sees, since the token no longer carries it."""
    html = client.get("/public/report/").content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    a, b = re.search(r"(\d) \+ (\d) = \?", html).groups()
    return token, str(int(a) + int(b))


def _age(token, seconds=10):
    """The form must be at least a few seconds old: age it like a real visitor."""
    from django.core.cache import cache

    key = _challenge_key(signing.loads(token, salt=CHALLENGE_SALT))
    data = cache.get(key)
    data["t"] -= seconds
    cache.set(key, data, timeout=600)


def _form(client):
    token, answer = _served(client)
    _age(token)
    return token, answer


def _post(client, grid, **over):
    token, answer = _form(client)
    data = {
        "category": _category_pk("0101"),
        "description": "楼上住户漏水,协商无果",
        "lng": grid.centroid.x,
        "lat": grid.centroid.y,
        "phone": "13912345678",
        "challenge": token,
        "answer": answer,
    }
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
    token, answer = _served(client)
    fast = _post(client, cast.grid, challenge=token, answer=answer)
    assert fast.status_code == 400 and "提交过快" in fast.content.decode()
    assert Event.objects.count() == 0


def test_challenge_token_does_not_carry_the_answer(client):
    """Issue 8 #11: the hidden token was `{"sum": 7, ...}` signed but readable."""
    import base64

    token, answer = _served(client)
    payload = signing.loads(token, salt=CHALLENGE_SALT)
    assert isinstance(payload, str) and len(payload) >= 20  # an opaque random id
    body = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("latin-1")
    # The answer is kept on the server: the token is a random id, not a JSON document
    # (a random id may contain the answer's digit by chance, so that is not asserted).
    assert "{" not in decoded and '"sum"' not in decoded and payload != answer
    # A forged token (or one signed with another salt) is refused.
    forged = signing.dumps({"sum": 2, "t": 0}, salt=CHALLENGE_SALT)
    from django.core.exceptions import ValidationError

    from events.public import check_challenge

    with pytest.raises(ValidationError, match="验证已过期"):
        check_challenge(forged, "2")


def test_challenge_token_is_single_use(client, cast, settings):
    """Issue 8 #11: one token served 7 reports."""
    settings.PUBLIC_REPORTS_PER_HOUR = 100
    token, answer = _form(client)
    first = _post(client, cast.grid, challenge=token, answer=answer)
    assert first.status_code == 200
    for _ in range(3):
        again = _post(client, cast.grid, challenge=token, answer=answer)
        assert again.status_code == 400 and "验证已过期" in again.content.decode()
    assert Event.objects.count() == 1
    # A wrong answer uses the token up too: no second guess with the same form.
    token, answer = _form(client)
    assert _post(client, cast.grid, challenge=token, answer="99").status_code == 400
    assert _post(client, cast.grid, challenge=token, answer=answer).status_code == 400
    assert Event.objects.count() == 1


def test_rate_limit_per_address(client, cast, settings):
    settings.PUBLIC_REPORTS_PER_HOUR = 2
    assert _post(client, cast.grid).status_code == 200
    assert _post(client, cast.grid).status_code == 200
    r = _post(client, cast.grid)
    assert r.status_code == 429 and "过于频繁" in r.content.decode()
    assert Event.objects.count() == 2


def test_rate_limit_ignores_forwarding_headers_from_untrusted_peers(client, cast, settings):
    """Issue 8 #11: a new X-Real-IP value reset the per-address limit."""
    settings.PUBLIC_REPORTS_PER_HOUR = 2
    settings.TRUSTED_PROXIES = []
    for i in range(2):
        assert (
            _post(
                client, cast.grid, HTTP_X_REAL_IP=f"10.9.9.{i}", HTTP_X_FORWARDED_FOR=f"10.8.8.{i}"
            ).status_code
            == 200
        )
    r = _post(client, cast.grid, HTTP_X_REAL_IP="10.9.9.99", HTTP_X_FORWARDED_FOR="10.8.8.99")
    assert r.status_code == 429
    assert Event.objects.count() == 2
    # The audit rows carry the real peer, not the header.
    from governance.models import AuditLog

    ips = set(AuditLog.objects.filter(action="event.report").values_list("ip", flat=True))
    assert ips == {"127.0.0.1"}


def test_track_is_throttled_after_wrong_codes(client, cast, settings):
    """Issue 8 #11: 25 wrong tracking codes in a row were all answered."""
    settings.PUBLIC_TRACK_FAILURES_PER_HOUR = 5
    r = _post(client, cast.grid)
    html = r.content.decode()
    number = re.search(r'id="number">([^<]+)<', html).group(1)
    code = re.search(r'id="code">([^<]+)<', html).group(1)
    for i in range(5):
        wrong = client.post("/public/track/", {"number": number, "code": f"BAD{i:05d}"})
        assert wrong.status_code == 404
    # From now on nothing is answered, not even the right code, and a new header value
    # does not help.
    for headers in ({}, {"HTTP_X_REAL_IP": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "10.2.2.2"}):
        blocked = client.post("/public/track/", {"number": number, "code": code}, **headers)
        assert blocked.status_code == 429, headers
        body = blocked.content.decode()
        assert "查询失败次数过多" in body and "待审核" not in body
        assert blocked["Retry-After"] == "3600"
    blocked = client.post("/public/track/", {"number": number, "code": code, "rating": "5"})
    assert blocked.status_code == 429
    # Right codes below the limit do not count as failures.
    from django.core.cache import cache

    cache.delete("public-track-fail:127.0.0.1")
    for _ in range(8):
        assert client.post("/public/track/", {"number": number, "code": code}).status_code == 200


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
    for actor, action, kw in [
        (cast.village, "approve", {}),
        (cast.village, "accept", {}),
        (cast.village, "handle", {}),
        (cast.village, "close", {"note": "已约谈店主"}),
        (cast.worker, "verify", {}),
    ]:
        event_transition(actor=actor, event=e, action=action, **kw)
    r = client.post("/public/track/", {"number": number, "code": code, "rating": "4"})
    assert r.status_code == 200
    e.refresh_from_db()
    assert e.status == Status.ARCHIVED and e.rating == 4
    # Staff names never appear on the public page.
    assert (
        cast.village.username
        not in client.post("/public/track/", {"number": number, "code": code}).content.decode()
    )


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
