"""三源治理 rates against hand-computed fixtures (and empty periods), the API's scoping
and bad input, the public QR page's privacy and rate limit, the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.figures import figures_differences
from mediation import services
from mediation.models import Dispute
from mediation.tests.factories import dispute_make, org_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(clerk, grid, township):
    """Four disputes today: succeeded on time (rated 5), succeeded late (rated 2),
    failed → litigation (from the court), withdrawn."""
    org = org_make(township)
    out = []
    for i in range(4):
        d = dispute_make(
            actor=clerk,
            grid=grid,
            start=100 + 10 * i,
            source=["intake", "intake", "court", "intake"][i],
        )
        out.append(services.dispute_assign(actor=clerk, dispute=d, org=org))
    services.dispute_succeed(actor=clerk, dispute=out[0], terms="赔偿 100 元")
    Dispute.objects.filter(pk=out[1].pk).update(deadline=timezone.now() - timedelta(days=1))
    out[1].refresh_from_db()
    services.dispute_succeed(actor=clerk, dispute=out[1], terms="道歉")
    services.dispute_fail(actor=clerk, dispute=out[2], referral="litigation", note="分歧大")
    services.dispute_withdraw(actor=clerk, dispute=out[3], note="撤回")
    for d, r in ((out[0], 5), (out[1], 2)):
        services.dispute_public_rate(token=d.public_token, rating=r)
    return out


def _rates(api_client, user, area, since, until):
    return api_client(user).get(f"/api/v1/disputes/rates/?area={area}&from={since}&to={until}")


def test_rates_by_hand(api_client, clerk, four):
    today = timezone.localdate()
    r = _rates(api_client, clerk, "220102000000", today, today)
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["resolution"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert d["success"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert d["on_time"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert d["satisfaction"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert d["pre_litigation"] == {"value": 0.0, "numerator": 0, "denominator": 1}
    assert d["repeat_petition"] == {"value": None, "numerator": 0, "denominator": 0}
    assert d["criminal"] == {"value": 0.0, "numerator": 0, "denominator": 4}
    # Last year had none: a decline has no base (无数据).
    assert d["litigation_decline"] == {"value": None, "numerator": -1, "denominator": 0}
    assert figures_differences() == []  # the rollups agree with the raw table


def test_empty_period_is_no_data_and_reversed_period_400(api_client, clerk, four):
    long_ago = timezone.localdate() - timedelta(days=400)
    d = _rates(api_client, clerk, "220102000000", long_ago, long_ago).json()
    assert all(v["value"] is None and v["denominator"] == 0 for v in d.values())
    today = timezone.localdate()
    r = _rates(api_client, clerk, "220102000000", today, today - timedelta(days=1))
    assert r.status_code == 400 and r.json()["code"] == "reversed_period"


def test_api_scoping(api_client, clerk, kc_clerk, four):
    r = api_client(kc_clerk).get("/api/v1/disputes/?limit=100")
    assert r.status_code == 200 and r.json()["count"] == 0
    assert api_client(kc_clerk).get(f"/api/v1/disputes/{four[0].pk}/").status_code == 404
    today = timezone.localdate()
    assert _rates(api_client, kc_clerk, "220102000000", today, today).status_code == 404
    r = api_client(clerk).get("/api/v1/disputes/?code=green&status=succeeded")
    assert r.status_code == 200 and r.json()["count"] == 2
    detail = api_client(clerk).get(f"/api/v1/disputes/{four[0].pk}/").json()
    assert "*" in detail["parties"][0]["id_number"]  # masked
    r = api_client(kc_clerk).post(
        f"/api/v1/disputes/{four[0].pk}/actions/code/", {"code": 5, "reason": "x"}, format="json"
    )
    assert r.status_code == 404


def test_api_intake_and_actions(api_client, clerk, grid, township):
    org = org_make(township)
    body = {
        "grid": grid.code,
        "title": "物业费纠纷",
        "type": "property",
        "parties": [
            {"name": "王五", "phone": "13900001111"},
            {"name": "某物业公司", "kind": "organisation", "role": "respondent"},
        ],
    }
    r = api_client(clerk).post("/api/v1/disputes/", body, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    c = api_client(clerk)
    r = c.post(f"/api/v1/disputes/{pk}/actions/code/", {"code": 4, "reason": ""}, format="json")
    assert r.status_code == 400
    assert (
        c.post(f"/api/v1/disputes/{pk}/actions/assign/", {"org": org.pk}, format="json").status_code
        == 200
    )
    r = c.post(
        f"/api/v1/disputes/{pk}/actions/succeed/", {"terms": "减免物业费 200 元"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "succeeded"
    assert c.post(f"/api/v1/disputes/{pk}/actions/nonsense/", {}, format="json").status_code == 400


def test_public_page_privacy_and_rating(client, clerk, grid, township, settings):
    d = dispute_make(actor=clerk, grid=grid)
    d = services.dispute_assign(actor=clerk, dispute=d, org=org_make(township), mediator=clerk)
    url = f"/public/mediation/{d.public_token}/"
    wrong = client.post(url, {"last4": "0000"})
    unknown = client.post("/public/mediation/nonexistenttoken123/", {"last4": "0000"})
    assert wrong.status_code == unknown.status_code == 404
    assert d.number not in wrong.content.decode()
    phone = d.parties.first().phone
    assert client.post(url, {"last4": phone[-4:]}).status_code == 302
    page = client.get(url).content.decode()
    assert d.number in page and str(d.get_status_display()) in page
    assert "m_clerk" not in page and "当事人1" not in page and "当事人0" not in page
    assert d.org.name not in page
    services.dispute_succeed(actor=clerk, dispute=d, terms="赔偿")
    assert client.post(url, {"rating": "5"}).status_code == 302
    d.refresh_from_db()
    assert d.rating == 5


def test_public_page_is_rate_limited(client, clerk, grid, settings):
    settings.PUBLIC_TRACK_FAILURES_PER_HOUR = 3
    from django.core.cache import cache

    cache.clear()
    d = dispute_make(actor=clerk, grid=grid)
    url = f"/public/mediation/{d.public_token}/"
    for _ in range(3):
        assert client.post(url, {"last4": "0000"}).status_code == 404
    phone = d.parties.first().phone
    assert client.post(url, {"last4": phone[-4:]}).status_code == 429


def test_pages_scoped(client, clerk, kc_clerk, four):
    client.force_login(clerk)
    assert four[0].number in client.get("/mediation/").content.decode()
    assert client.get(f"/mediation/{four[0].pk}/").status_code == 200
    agreement = four[0].agreements.first()
    r = client.get(f"/mediation/{four[0].pk}/agreements/{agreement.pk}.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert client.get(f"/mediation/{four[0].pk}/qr.svg").status_code == 200
    r = client.get("/mediation/rates/export/?area=220102000000")
    assert r.status_code == 200
    assert client.get("/mediation/rates/?area=220102000000").status_code == 200
    client.force_login(kc_clerk)
    assert four[0].number not in client.get("/mediation/").content.decode()
    assert client.get(f"/mediation/{four[0].pk}/").status_code == 404
    assert client.get(f"/mediation/{four[0].pk}/agreements/{agreement.pk}.pdf").status_code == 404
    assert client.get(f"/mediation/{four[0].pk}/qr.svg").status_code == 404
    assert client.get("/mediation/rates/?area=220102000000").status_code == 404
    assert client.get("/mediation/rates/export/?area=220102000000").status_code == 404
