"""Two-factor login for leaders, administrators, auditors and staff: enrolment, the code
after the password, recovery codes, the administrator's reset, and API tokens."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.models import AuditLog
from governance.roles import Role
from tests.fixtures import KUANCHENG, NANGUAN, PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"


def code_for(device) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def next_time_step(device):
    """A TOTP code is accepted once per 30 s step; a second login in the same test is
    a later step."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


def password_login(username):
    c = Client()  # a real browser: no test shortcut for the second factor
    r = c.post(LOGIN, {"username": username, "password": PASSWORD})
    assert r.status_code == 302
    return c


@pytest.fixture
def leader(make_user):
    return make_user(Role.PROVINCE_LEADER, "220000000000", "tf_leader")


@pytest.mark.parametrize(
    "role,area",
    [
        (Role.PROVINCE_LEADER, "220000000000"),
        (Role.CITY_LEADER, "220100000000"),
        (Role.ADMIN, NANGUAN),
        (Role.AUDITOR, NANGUAN),
    ],
)
def test_roles_that_need_it_reach_nothing_before_enrolling(make_user, role, area):
    user = make_user(role, area)
    c = password_login(user.username)
    for page in ("/", "/audit/", "/events/", "/collection/my-grid/"):
        r = c.get(page)
        assert r.status_code == 302 and r["Location"].startswith(SETUP), page
    r = c.get("/api/v1/areas/")
    assert r.status_code == 403 and r.json()["code"] == "otp_required"
    assert c.get(SETUP).status_code == 200


def test_staff_and_superusers_need_it_too(make_user):
    user = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "tf_staff")
    type(user).objects.filter(pk=user.pk).update(is_staff=True)
    c = password_login("tf_staff")
    assert c.get("/django-admin/")["Location"].startswith(SETUP)


def test_other_roles_are_not_asked(nanguan_dispatcher):
    c = password_login("ng_dispatcher")
    assert c.get("/").status_code == 200
    assert c.get(SETUP)["Location"] == "/"
    assert c.get(VERIFY)["Location"] == "/"
    assert not TOTPDevice.objects.filter(user=nanguan_dispatcher).exists()


def test_enrolment_shows_qr_and_secret_and_issues_recovery_codes_once(leader):
    c = password_login("tf_leader")
    page = c.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert "<svg" in page
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    shown = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert shown.replace(" ", "") == secret
    # Reloading keeps the same secret until confirmed.
    c.get(SETUP)
    assert TOTPDevice.objects.filter(user=leader).count() == 1

    r = c.post(SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert r.status_code == 400 and "动态口令不正确" in r.content.decode()
    assert c.get("/")["Location"].startswith(SETUP)

    # django-otp throttles a device after a failure (1 s, doubling); the test does not wait.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    r = c.post(SETUP, {"code": code_for(device), "next": "/audit/"})
    assert r.status_code == 200
    codes = r.context["codes"]
    assert len(codes) == settings.OTP_RECOVERY_CODES == len(set(codes))
    assert all(code in r.content.decode() for code in codes)
    assert r["Cache-Control"].startswith("max-age=0")
    device.refresh_from_db()
    assert device.confirmed
    assert c.get("/").status_code == 200
    assert c.get("/api/v1/areas/").status_code == 200
    entry = AuditLog.objects.get(action="user.2fa_enrol", object_id=str(leader.pk))
    assert entry.actor == leader and not any(code in str(entry.changes) for code in codes)
    # Enrolled: the setup page does not show the secret again.
    assert c.get(SETUP)["Location"].startswith(VERIFY)


def _enrolled(c, user):
    c.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    codes = c.post(SETUP, {"code": code_for(device)}).context["codes"]
    c.post("/accounts/logout/")
    return device, codes


def test_every_login_asks_for_the_code(leader):
    device, _codes = _enrolled(password_login("tf_leader"), leader)
    c = password_login("tf_leader")
    r = c.get("/events/")
    assert r.status_code == 302 and r["Location"].startswith(VERIFY)
    assert c.get("/api/v1/areas/").status_code == 403
    r = c.post(VERIFY, {"code": "12345x", "next": "/events/"})
    assert r.status_code == 400 and "不正确" in r.content.decode()
    next_time_step(device)
    code = code_for(device)
    r = c.post(VERIFY, {"code": code, "next": "/events/"})
    assert r.status_code == 302 and r["Location"] == "/events/"
    assert c.get("/").status_code == 200
    # The same code cannot be replayed in another session (even across a step change).
    other = password_login("tf_leader")
    assert other.post(VERIFY, {"code": code}).status_code == 400


def test_verify_refuses_an_outside_next(leader):
    device, _codes = _enrolled(password_login("tf_leader"), leader)
    c = password_login("tf_leader")
    next_time_step(device)
    r = c.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_recovery_code_works_once_and_is_audited(leader):
    _device, codes = _enrolled(password_login("tf_leader"), leader)
    c = password_login("tf_leader")
    r = c.post(VERIFY, {"code": codes[0].upper()})
    assert r.status_code == 302 and c.get("/").status_code == 200
    entry = AuditLog.objects.get(action="user.2fa_recovery_used", object_id=str(leader.pk))
    assert entry.changes["recovery_codes_left"][1] == len(codes) - 1
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    again = password_login("tf_leader")
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_wrong_codes_lock_the_account(leader):
    device, _codes = _enrolled(password_login("tf_leader"), leader)
    c = password_login("tf_leader")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        assert c.post(VERIFY, {"code": "99999999"}).status_code == 400
    r = c.post(VERIFY, {"code": "99999999"})
    assert r.status_code == 302 and r["Location"].endswith(LOGIN)
    leader.refresh_from_db()
    assert leader.locked_until is not None
    assert c.get("/")["Location"].startswith(LOGIN)  # logged out
    r = Client().post(LOGIN, {"username": "tf_leader", "password": PASSWORD})
    assert "已被锁定" in r.content.decode()


def test_security_administrator_resets_a_lost_authenticator(client, leader, make_user):
    _enrolled(password_login("tf_leader"), leader)
    # 三员分立: accounts are the security administrator's, not the system administrator's.
    admin = make_user(Role.SECURITY_ADMIN, "220000000000", "tf_admin")
    client.force_login(admin)
    assert 'href="/accounts/2fa/reset/"' in client.get("/").content.decode()
    r = client.post("/accounts/2fa/reset/", {"username": "tf_leader"})
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    entry = AuditLog.objects.get(action="user.2fa_reset", object_id=str(leader.pk))
    assert entry.actor == admin
    # The user must enrol again at the next login.
    assert password_login("tf_leader").get("/")["Location"].startswith(SETUP)


def test_reset_only_by_an_administrator_over_the_user(client, leader, make_user):
    _enrolled(password_login("tf_leader"), leader)
    county_admin = make_user(Role.SECURITY_ADMIN, KUANCHENG, "tf_county_admin")
    client.force_login(county_admin)
    r = client.post("/accounts/2fa/reset/", {"username": "tf_leader"})
    assert r.status_code == 400 and "不在您的管辖范围内" in r.content.decode()
    # The same answer as for a name nobody has: no username enumeration across counties.
    absent = client.post("/accounts/2fa/reset/", {"username": "tf_nobody"})
    assert absent.status_code == 400
    import re

    def page(resp, name):  # the page without its per-request CSRF token and the name typed
        return re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]*"',
            "",
            resp.content.decode().replace(name, "X"),
        )

    assert page(r, "tf_leader") == page(absent, "tf_nobody")
    client.force_login(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "tf_disp"))
    assert client.get("/accounts/2fa/reset/").status_code == 404
    client.force_login(make_user(Role.ADMIN, "220000000000", "tf_sysadmin"))
    assert client.get("/accounts/2fa/reset/").status_code == 404
    assert TOTPDevice.objects.filter(user=leader, confirmed=True).exists()
    assert not AuditLog.objects.filter(action="user.2fa_reset").exists()


def test_personal_api_tokens_refused_for_these_roles(leader, nanguan_dispatcher):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    for user, expected in ((leader, 403), (nanguan_dispatcher, 200)):
        key = Token.objects.create(user=user).key
        r = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/areas/")
        assert r.status_code == expected
    assert r.status_code == 200
    key = Token.objects.get(user=leader).key
    r = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/areas/")
    assert r.json()["code"] == "otp_required"


def test_pages_are_translated(leader):
    c = password_login("tf_leader")
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "authenticator" in c.get(SETUP).content.decode()


def test_views_get_the_verified_user_itself_not_its_lazy_wrappers(leader):
    """The guard hands the views the user object (the wrappers' proxies cost hundreds of
    attribute reads a page); django-otp's verification travels with it."""
    from django.utils.functional import LazyObject

    device, _codes = _enrolled(password_login("tf_leader"), leader)
    c = password_login("tf_leader")
    unverified = c.get("/events/").wsgi_request.user
    assert not isinstance(unverified, LazyObject) and not unverified.is_verified()
    next_time_step(device)
    c.post(VERIFY, {"code": code_for(device), "next": "/"})
    r = c.get("/")
    assert r.status_code == 200
    user = r.wsgi_request.user
    assert type(user) is type(leader) and user.pk == leader.pk
    assert user.is_verified() and user.otp_device == device
    assert r.context["user"] is user  # what the templates read
