"""A case's notifications are read by other people than the one who acted, each in their
own language (governance.notifications.Text): a step taken from an English browser tells
a Chinese-reading dispatcher in Chinese, and the other way round."""

import pytest
from django.test import Client
from django.utils import translation

from events.services import event_supervise
from governance.models import Notification

pytestmark = pytest.mark.django_db


def _shown(user, lang) -> tuple[str, list[str]]:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    api = client.get("/api/v1/notifications/").json()
    return page, [n["title"] for n in api["results"]]


def test_a_step_is_told_in_each_readers_language(cast, reported):
    with translation.override("en"):  # the reporter's and the leader's browsers: English
        event = reported(title="楼上漏水")
        event_supervise(actor=cast.leader, event=event, colour="red", message="today")
    # the holders (the village) were told; the columns hold the platform's language
    assert [n.title for n in Notification.objects.filter(user=cast.village)] == [
        "红牌督办:楼上漏水",
        "新事件待受理:楼上漏水",
    ]
    page, titles = _shown(cast.village, "zh-hans")
    assert titles == ["红牌督办:楼上漏水", "新事件待受理:楼上漏水"]
    assert all(t in page for t in titles)
    page, titles = _shown(cast.village, "en")
    assert titles == ["Red card: 楼上漏水", "New case pending acceptance: 楼上漏水"]
    assert all(t in page for t in titles)


def test_a_title_the_catalogue_cannot_fill_falls_back_to_the_stored_one(cast, reported):
    reported(title="楼上漏水")
    n = Notification.objects.filter(user=cast.village).get()
    Notification.objects.filter(pk=n.pk).update(message={"title": ["%(gone)s", {}]})
    n.refresh_from_db()
    with translation.override("en"):
        assert n.shown_title == "新事件待受理:楼上漏水"
