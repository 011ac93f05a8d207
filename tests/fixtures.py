"""Shared fixtures: areas of the two test counties and users holding roles in them."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from governance.roles import Role
from governance.services import department_create, role_assign, user_create
from grids.models import Area

PASSWORD = "Test@2026pass"

NANGUAN = "220102000000"  # 南关区
KUANCHENG = "220103000000"  # 宽城区


@pytest.fixture
def area():
    def get(code: str) -> Area:
        return Area.objects.get(code=code)

    return get


@pytest.fixture
def first_grid():
    def get(county_code: str) -> Area:
        return (
            Area.objects.filter(level=6, code__startswith=county_code[:6]).order_by("code").first()
        )

    return get


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(role: str, area_code: str, username: str | None = None, department=None):
        counter["n"] += 1
        area_obj = Area.objects.get(code=area_code)
        name = username or f"{role}_{counter['n']}"
        user = user_create(
            actor=None, username=name, password=PASSWORD, full_name=name, department=department
        )
        if role == Role.DEPARTMENT_HANDLER and department is None:
            department = department_create(
                actor=None, code=f"D{counter['n']}", name="测试城管局", area=area_obj
            )
        role_assign(actor=None, user=user, role=role, area=area_obj, department=department)
        return user

    return make


@pytest.fixture
def nanguan_dispatcher(make_user):
    return make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ng_dispatcher")


@pytest.fixture
def kuancheng_dispatcher(make_user):
    return make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "kc_dispatcher")


@pytest.fixture
def province_leader(make_user):
    return make_user(Role.PROVINCE_LEADER, "220000000000", "prov_leader")


@pytest.fixture
def admin(make_user):
    """The province administrator."""
    return make_user(Role.ADMIN, "220000000000", "prov_admin")


def otp_verify_session(client, user) -> None:
    """Give a logged-in test session the second factor, as the verification page would
    after a valid code: a confirmed TOTP device, its id in the session. Production code
    has no such shortcut; the middleware checks the session exactly as in a real login."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from governance.twofactor import DEVICE_NAME, two_factor_required

    if not two_factor_required(user):
        return
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class OTPClient(Client):
    """`force_login` of a leader, administrator or auditor also passes the second factor,
    so page tests about other things log them in in one line."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        otp_verify_session(self, user)


@pytest.fixture
def client():
    return OTPClient()


@pytest.fixture
def api_client():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def demo_areas(transactional_db):
    """For live-server tests: transactional tests flush the database after each test,
    so the counties, the calendar and the default categories are reloaded if missing."""
    from conftest import load_test_counties, seed_test_calendar
    from events.categories import categories_seed

    load_test_counties()
    seed_test_calendar()
    categories_seed()
