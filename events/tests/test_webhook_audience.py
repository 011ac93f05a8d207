"""Webhooks of a case go only to the departments that hold or held it (the rule of the
case's `restrict` for department handlers), carry what such a department may see, and
their delivery records are read only by the department they were addressed to."""

import pytest
from rest_framework.test import APIClient

from events.services import event_transition
from governance.models import Department
from grids.models import Area
from integrations.models import WebhookDelivery
from integrations.services import department_token_issue, webhook_subscription_create

from .conftest import CITY

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def subscribe(department):
    webhook_subscription_create(
        actor=None, department=department, url="http://127.0.0.1:9/hook", event_types=["*"]
    )


def addressees(event):
    return set(
        WebhookDelivery.objects.filter(payload__number=event.number).values_list(
            "subscription__department__code", flat=True
        )
    )


def test_a_case_goes_only_to_its_present_and_former_holders(cast, reported):
    from governance.services import department_create

    city = department_create(
        actor=None, code="2201-CGJ-T", name="长春市城市管理局", area=Area.objects.get(code=CITY)
    )
    for dept in (cast.dept_cgj, cast.dept_scj, city):
        subscribe(dept)
    e = reported("0601", reporter_phone=PHONE)
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    # Reported and accepted, with no department yet: nobody above it receives anything.
    assert not WebhookDelivery.objects.filter(payload__number=e.number).exists()

    e = event_transition(
        actor=cast.dispatcher, event=e, action="dispatch", department=cast.dept_scj
    )
    assert addressees(e) == {cast.dept_scj.code}
    e = event_transition(
        actor=cast.dispatcher, event=e, action="transfer", department=cast.dept_cgj
    )
    # The former holder keeps receiving (it still reads the case), the city never.
    last = WebhookDelivery.objects.filter(event_type="event.transfer")
    assert {d.subscription.department.code for d in last} == {
        cast.dept_scj.code,
        cast.dept_cgj.code,
    }
    assert addressees(e) == {cast.dept_scj.code, cast.dept_cgj.code}
    assert not WebhookDelivery.objects.filter(subscription__department=city).exists()

    # What the payload says matches what a holder reads: the phone masked.
    payload = last.first().payload
    assert payload["reporter_phone"] == "139****5678"
    assert PHONE not in str(list(WebhookDelivery.objects.values_list("payload", flat=True)))


def test_delivery_records_are_read_only_by_their_department(cast, reported, api_client):
    for dept in (cast.dept_cgj, cast.dept_scj):
        subscribe(dept)
    e = reported("0601")
    event_transition(actor=cast.dispatcher, event=e, action="accept")
    event_transition(actor=cast.dispatcher, event=e, action="dispatch", department=cast.dept_scj)
    (scj_delivery,) = WebhookDelivery.objects.filter(payload__number=e.number)

    # The other department of the same county: neither its handler nor its system
    # sees the delivery, in the list or by id.
    _token, key = department_token_issue(actor=None, department=cast.dept_cgj, name="系统")
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Department {key}")
    for client in (api_client(cast.chengguan), token_client):
        assert client.get("/api/v1/webhook-deliveries/").json()["results"] == []
        r = client.get(f"/api/v1/webhook-deliveries/{scj_delivery.pk}/")
        assert r.status_code == 404
    # Its own department does.
    market = api_client(cast.market)
    assert [d["id"] for d in market.get("/api/v1/webhook-deliveries/").json()["results"]] == [
        scj_delivery.pk
    ]
    assert market.get(f"/api/v1/webhook-deliveries/{scj_delivery.pk}/").status_code == 200
    # And a department handler sees its own department's subscriptions only.
    subs = api_client(cast.chengguan).get("/api/v1/webhook-subscriptions/").json()["results"]
    assert {s["department"] for s in subs} == {cast.dept_cgj.code}
    assert Department.objects.count() >= 2
