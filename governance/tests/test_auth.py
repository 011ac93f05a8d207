import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from governance.models import AuditLog

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_login_and_logout(client, nanguan_dispatcher):
    r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_message_in_chinese(client, nanguan_dispatcher):
    r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "wrong"})
    assert r.status_code == 200 and "用户名或密码错误" in r.content.decode()


def test_lockout_after_repeated_failures(client, nanguan_dispatcher):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "wrong"})
    assert "已被锁定" in r.content.decode()
    # Even the right password is refused while locked.
    r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    assert r.status_code == 200 and "已被锁定" in r.content.decode()
    assert AuditLog.objects.filter(action="user.locked", object_id=str(nanguan_dispatcher.pk))


def test_lock_expires(client, nanguan_dispatcher):
    from datetime import timedelta

    from django.utils import timezone

    type(nanguan_dispatcher).objects.filter(pk=nanguan_dispatcher.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1), failed_logins=0)
    r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    assert r.status_code == 302


def test_success_resets_the_counter(client, nanguan_dispatcher):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "ng_dispatcher", "password": "wrong"})
    client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    nanguan_dispatcher.refresh_from_db()
    assert nanguan_dispatcher.failed_logins == 0


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "Abcdefghijkl",
                                      "1234567890123"])
def test_password_policy_rejects_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_policy_accepts_strong_password():
    validate_password("Grid@2026demo")


def test_session_expires_after_inactivity():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # sliding expiry: inactivity, not login age


def test_idle_session_is_logged_out(client, nanguan_dispatcher):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(nanguan_dispatcher)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302
