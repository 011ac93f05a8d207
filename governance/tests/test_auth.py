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
        locked_until=timezone.now() - timedelta(seconds=1), failed_logins=0
    )
    r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    assert r.status_code == 302


def test_success_resets_the_counter(client, nanguan_dispatcher):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "ng_dispatcher", "password": "wrong"})
    client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    nanguan_dispatcher.refresh_from_db()
    assert nanguan_dispatcher.failed_logins == 0


@pytest.mark.parametrize(
    "password", ["short1A!", "alllowercaseletters", "Abcdefghijkl", "1234567890123"]
)
def test_password_policy_rejects_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_policy_accepts_strong_password():
    validate_password("Grid@2026demo")


def test_session_expires_after_inactivity():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    # Sliding expiry (inactivity, not login age), pushed at most once a minute:
    # governance/tests/test_sessions.py.
    assert settings.SESSION_REFRESH_SECONDS <= 60


def test_idle_session_is_logged_out(client, nanguan_dispatcher):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(nanguan_dispatcher)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302


# --- issue 8, item 12: the lockout holds on every path; no user enumeration -----------


def _unique(prefix: str) -> str:
    # The counters of unknown names live in Redis, which the DB rollback does not reset.
    import uuid

    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _attempts(client, username, n):
    return [client.post(LOGIN, {"username": username, "password": "wrong"}) for _ in range(n)]


def test_unknown_and_existing_names_get_the_same_answers(client, make_user):
    from governance.roles import Role

    real = make_user(Role.COUNTY_DISPATCHER, "220102000000", _unique("real")).username
    ghost = _unique("ghost")
    limit = settings.LOGIN_FAILURE_LIMIT
    real_pages = _attempts(client, real, limit + 1)
    ghost_pages = _attempts(client, ghost, limit + 1)
    for r, g in zip(real_pages, ghost_pages, strict=True):
        assert r.status_code == g.status_code == 200
        assert r.context["form"].non_field_errors() == g.context["form"].non_field_errors()
    # Both are reported locked from the failure that crossed the limit on.
    assert "已被锁定" in ghost_pages[limit - 1].content.decode()
    assert "已被锁定" in real_pages[limit - 1].content.decode()
    assert "已被锁定" not in ghost_pages[limit - 2].content.decode()


def test_unknown_name_locked_even_with_any_password(client):
    ghost = _unique("ghost")
    _attempts(client, ghost, settings.LOGIN_FAILURE_LIMIT)
    r = client.post(LOGIN, {"username": ghost, "password": "Test@2026pass"})
    assert "已被锁定" in r.content.decode()


def _lock(user):
    from datetime import timedelta

    from django.utils import timezone

    type(user).objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + timedelta(minutes=10)
    )


def test_locked_account_refused_with_drf_token(nanguan_dispatcher):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    key = Token.objects.create(user=nanguan_dispatcher).key
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/areas/").status_code == 200
    _lock(nanguan_dispatcher)
    r = api.get("/api/v1/areas/")
    # 403, not 401: DRF answers 403 when its first class (session) sends no challenge.
    assert r.status_code == 403 and "已被锁定" in r.json()["detail"]


def test_locked_account_loses_its_session(client, nanguan_dispatcher):
    r = client.post(LOGIN, {"username": "ng_dispatcher", "password": "Test@2026pass"})
    assert r.status_code == 302 and client.get("/").status_code == 200
    assert client.get("/api/v1/areas/").status_code == 200
    _lock(nanguan_dispatcher)
    assert client.get("/api/v1/areas/").status_code == 403
    # The session is gone, not only refused once.
    assert client.get("/").status_code == 302
