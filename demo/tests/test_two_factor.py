"""The demo keeps working: demo leaders, administrator and auditor are enrolled with the
published demo secret, and `manage.py demo_totp` prints the code that lets them in."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.users import DEMO_PASSWORD, ensure_demo_users

pytestmark = pytest.mark.django_db


def test_demo_leader_logs_in_with_the_printed_code():
    ensure_demo_users()
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True)
    )
    assert {"province_leader", "city_leader", "admin", "auditor"} <= enrolled
    assert "grid_worker" not in enrolled and "county_dispatcher" not in enrolled

    c = Client()
    c.post("/accounts/login/", {"username": "province_leader", "password": DEMO_PASSWORD})
    assert c.get("/")["Location"].startswith("/accounts/2fa/verify/")
    out = io.StringIO()
    call_command("demo_totp", stdout=out)
    code = out.getvalue().split()[0]
    r = c.post("/accounts/2fa/verify/", {"code": code})
    assert r.status_code == 302 and c.get("/").status_code == 200


def test_demo_loader_keeps_an_authenticator_enrolled_by_hand():
    ensure_demo_users()
    device = TOTPDevice.objects.get(user__username="auditor")
    TOTPDevice.objects.filter(pk=device.pk).update(key="00" * 20)
    ensure_demo_users()
    device.refresh_from_db()
    assert device.key == "00" * 20


def test_make_run_prints_how_to_pass_the_second_factor():
    from demo.users import DEMO_TOTP_SECRET

    out = io.StringIO()
    call_command("load_demo_province", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "province_leader" in text and DEMO_TOTP_SECRET in text and "demo_totp" in text
