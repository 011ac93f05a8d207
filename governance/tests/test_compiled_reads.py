"""The session and user reads of every request, compiled once per process
(governance/session_store.py, governance/auth.py): an expired session is no session, a
deactivated or unknown user is no user — as Django's own backends."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from governance.auth import LockoutModelBackend
from governance.roles import Role
from governance.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_session_read_and_expiry(client, make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "cr_worker")
    client.force_login(user)
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()["_auth_user_id"] == str(user.pk)
    assert client.get("/collection/").status_code == 200
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert client.get("/collection/").status_code == 302  # to the login page
    assert SessionStore(None).load() == {}
    assert SessionStore("no-such-key-000000000000000000000").load() == {}


def test_user_read(make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "cr_user")
    backend = LockoutModelBackend()
    got = backend.get_user(user.pk)
    assert got == user and got.username == "cr_user" and got.password == user.password
    assert got._state.adding is False and got._state.db == "default"
    assert backend.get_user(str(user.pk)) == user
    assert backend.get_user(user.pk + 10_000) is None
    assert backend.get_user("not-a-number") is None
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
