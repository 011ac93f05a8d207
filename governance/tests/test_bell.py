"""The bell's count on every page (governance/context_processors.py): exact up to 99,
then "99+" — a county dispatcher hears of every case of the county and may leave
thousands unread; the page reads at most a hundred of them."""

import pytest

from governance.models import Notification
from governance.roles import Role
from tests.fixtures import NANGUAN

pytestmark = pytest.mark.django_db


def _unread(user, n):
    Notification.objects.bulk_create(
        Notification(user=user, kind="test", title=f"通知 {i}") for i in range(n)
    )


def _bell(client):
    html = client.get("/notifications/").content.decode()
    return html.split('class="count">', 1)[1].split("<", 1)[0] if 'class="count">' in html else ""


def test_the_bell_counts_up_to_99_then_says_99_plus(
    client, make_user, django_assert_max_num_queries
):
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    client.force_login(dispatcher)
    assert _bell(client) == ""
    _unread(dispatcher, 99)
    assert _bell(client) == "99"
    _unread(dispatcher, 2_000)
    assert _bell(client) == "99+"
    Notification.objects.filter(user=dispatcher).update(read_at="2026-12-01T08:00:00+08:00")
    _unread(dispatcher, 3)
    assert _bell(client) == "3"


def test_the_count_stops_at_a_hundred(make_user):
    from governance.context_processors import UNREAD_SHOWN, _unread_count

    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    _unread(dispatcher, 500)
    assert _unread_count(dispatcher) == UNREAD_SHOWN + 1 == 100


def test_the_count_is_read_with_the_user(client, make_user):
    """The bell's count comes in the user's own statement at the start of the request:
    no statement of its own on a page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    client.force_login(dispatcher)
    _unread(dispatcher, 5)
    client.get("/events/")  # the first request after a login refreshes the session
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/events/").content.decode()
    assert '<b class="count">5</b>' in html
    (bell,) = [q["sql"] for q in ctx.captured_queries if "governance_notification" in q["sql"]]
    assert 'FROM "governance_user"' in bell
