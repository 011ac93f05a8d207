"""The subscription and delivery API: scoping, filters, replay."""

import pytest

from governance.models import AuditLog
from integrations import services
from integrations.models import WebhookDelivery

pytestmark = pytest.mark.django_db

SUBS = "/api/v1/webhook-subscriptions/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture
def two_counties(nanguan_department, kuancheng_department, subscribe, nanguan_grid, queued):
    """One subscription and one delivery in each county."""
    ng, secret = subscribe(nanguan_department, ["event.*"])
    kc, _ = subscribe(kuancheng_department, ["*"])
    (ng_delivery,) = services.webhook_publish(
        event_type="event.closed",
        payload={"n": 1},
        area_path=nanguan_grid.path,
        departments=[nanguan_department],
    )
    (kc_delivery,) = services.webhook_publish(
        event_type="event.closed",
        payload={"n": 2},
        area_path="",
        departments=[kuancheng_department],
    )
    return {
        "ng": ng,
        "kc": kc,
        "ng_delivery": ng_delivery,
        "kc_delivery": kc_delivery,
        "secret": secret,
    }


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_subscriptions_are_scoped_and_never_show_the_secret(
    api_client, nanguan_dispatcher, two_counties
):
    client = api_client(nanguan_dispatcher)
    response = client.get(SUBS)
    assert ids(response) == [two_counties["ng"].pk]
    assert two_counties["secret"] not in response.content.decode()
    row = response.json()["results"][0]
    assert row["department"] == "NG-CGJ" and row["event_types"] == ["event.*"]
    assert "secret" not in row
    assert client.get(f"{SUBS}{two_counties['ng'].pk}/").status_code == 200
    other = client.get(f"{SUBS}{two_counties['kc'].pk}/")
    assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_deliveries_of_another_county_are_absent_and_404(
    api_client, kuancheng_dispatcher, two_counties
):
    client = api_client(kuancheng_dispatcher)
    assert ids(client.get(DELIVERIES)) == [two_counties["kc_delivery"].pk]
    ng = two_counties["ng_delivery"].pk
    assert client.get(f"{DELIVERIES}{ng}/").status_code == 404
    assert client.post(f"{DELIVERIES}{ng}/replay/").status_code == 404
    assert not AuditLog.objects.filter(action="webhook_delivery.replay").exists()


def test_delivery_detail_has_payload_and_attempt_log(
    api_client, nanguan_dispatcher, two_counties, attempt, receiver
):
    attempt(two_counties["ng_delivery"])
    data = api_client(nanguan_dispatcher).get(f"{DELIVERIES}{two_counties['ng_delivery'].pk}/")
    data = data.json()
    assert data["status"] == "delivered" and data["payload"] == {"n": 1}
    assert [(a["number"], a["status_code"]) for a in data["attempt_log"]] == [(1, 200)]


def test_delivery_filters(api_client, province_leader, two_counties):
    client = api_client(province_leader)
    assert len(ids(client.get(DELIVERIES))) == 2
    kc_sub = two_counties["kc"].pk
    assert ids(client.get(DELIVERIES, {"subscription": kc_sub})) == [two_counties["kc_delivery"].pk]
    assert ids(client.get(DELIVERIES, {"status": "dead"})) == []
    assert len(ids(client.get(DELIVERIES, {"status": "pending", "event_type": "event.closed"})))
    bad = client.get(DELIVERIES, {"status": "lost"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_list_query_count_does_not_grow_with_rows(
    api_client,
    nanguan_dispatcher,
    two_counties,
    nanguan_grid,
    nanguan_department,
    django_assert_num_queries,
):
    client = api_client(nanguan_dispatcher)
    client.get(DELIVERIES)  # warm the per-request caches outside the count
    with django_assert_num_queries(2):  # count, page (jurisdiction cached on the user)
        client.get(DELIVERIES)
    for n in range(5):
        services.webhook_publish(
            event_type="event.closed",
            payload={"n": n},
            area_path=nanguan_grid.path,
            departments=[nanguan_department],
        )
    with django_assert_num_queries(2):
        assert len(ids(client.get(DELIVERIES))) == 6


def test_replay_via_api_is_audited_queued_and_idempotent(
    api_client, nanguan_dispatcher, two_counties, queued, django_capture_on_commit_callbacks
):
    pk = two_counties["ng_delivery"].pk
    WebhookDelivery.objects.filter(pk=pk).update(status="dead", attempts=6)
    client = api_client(nanguan_dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{DELIVERIES}{pk}/replay/", HTTP_IDEMPOTENCY_KEY="replay-1")
        again = client.post(f"{DELIVERIES}{pk}/replay/", HTTP_IDEMPOTENCY_KEY="replay-1")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert first.json()["status"] == "pending" and first.json()["attempts"] == 0
    assert again["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(action="webhook_delivery.replay").count() == 1
    assert queued == [(pk, None)]


def test_replay_of_a_city_leaders_view_is_refused(api_client, make_user, two_counties):
    """A leader sees (VIEW) but does not act (CHANGE): the replay target is 404."""
    leader = make_user("city_leader", "220100000000")
    client = api_client(leader)
    assert len(ids(client.get(DELIVERIES))) == 2
    pk = two_counties["ng_delivery"].pk
    assert client.post(f"{DELIVERIES}{pk}/replay/").status_code == 404


def test_anonymous_is_refused(api_client, two_counties):
    assert api_client().get(SUBS).status_code in (401, 403)
    assert api_client().get(DELIVERIES).status_code in (401, 403)
