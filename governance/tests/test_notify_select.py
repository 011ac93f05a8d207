"""notify() with a queryset of users writes the notifications in one INSERT … SELECT,
the same rows as with a list of users: one per user, whatever the query repeats."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from governance.models import Notification
from governance.notifications import notify
from governance.roles import Role

pytestmark = pytest.mark.django_db

FIELDS = ("user_id", "kind", "title", "body", "url", "read_at")


def _rows(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list(*FIELDS))


def test_queryset_and_list_write_the_same_rows(make_user):
    a = make_user(Role.GRID_WORKER, "220102001001001", "ns_a")
    b = make_user(Role.GRID_WORKER, "220102001001001", "ns_b")
    make_user(Role.GRID_WORKER, "220102001001001", "ns_c")
    users = get_user_model().objects.filter(Q(pk__in=[a.pk, b.pk]) | Q(pk=a.pk))
    long_title = "事" * 250
    with CaptureQueriesContext(connection) as queries:
        n = notify(users=users, kind="by_query", title=long_title, body="b", url="/x/")
    assert n == 2 and len(queries) == 1
    notify(users=[a, b, a], kind="by_list", title=long_title, body="b", url="/x/")
    by_query, by_list = _rows("by_query"), _rows("by_list")
    assert [r[:1] + r[2:] for r in by_query] == [r[:1] + r[2:] for r in by_list]
    assert by_query[0][2] == "事" * 200
    assert all(n.created_at is not None for n in Notification.objects.filter(kind="by_query"))
    assert notify(users=users.none(), kind="none", title="t") == 0


def test_with_email_the_users_are_loaded(make_user, settings):
    settings.EMAIL_NOTIFICATIONS = True
    a = make_user(Role.GRID_WORKER, "220102001001001", "ns_mail")
    users = get_user_model().objects.filter(pk=a.pk)
    assert notify(users=users, kind="mail", title="t") == 1
    assert _rows("mail") == [(a.pk, "mail", "t", "", "", None)]
