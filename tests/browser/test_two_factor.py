"""A province leader's first login on a phone: enrolment with the QR code and the secret
as text, recovery codes, then the code after the password at the next login."""

import re

import pytest

from governance.roles import Role
from tests.browser.helpers import open_menu

from .twofactor import current_code, enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_enrols_on_a_phone_and_is_asked_again_next_time(
    demo_areas, live_server, browser, make_user, artifact
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user(Role.PROVINCE_LEADER, "220000000000", "tf_sheng")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    base = live_server.url

    def password_login():
        page.goto(f"{base}/events/")
        page.fill("input[name=username]", "tf_sheng")
        page.fill("input[name=password]", "Test@2026pass")
        page.click("button[type=submit]")

    password_login()
    page.wait_for_url(re.compile(r".*/accounts/2fa/setup/.*"))
    # Fits the phone: no horizontal scrolling, the QR code inside the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".qr svg").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=artifact("two-factor-setup-phone.png"), full_page=True)
    codes = enrol(page)
    assert len(codes) == 10
    page.wait_for_url(re.compile(r".*/events/$"))

    open_menu(page)
    page.click("text=退出")
    password_login()
    page.wait_for_url(re.compile(r".*/accounts/2fa/verify/.*"))
    page.fill("input[name=code]", "000000")
    page.click("button.primary")
    assert "不正确" in page.inner_text("[role=alert]")
    # A new 30 s step for the next code (the enrolment used this one), without waiting:
    TOTPDevice.objects.filter(user__username="tf_sheng").update(
        last_t=-1, throttling_failure_count=0
    )
    device = TOTPDevice.objects.get(user__username="tf_sheng")
    from base64 import b32encode

    page.fill("input[name=code]", current_code(b32encode(device.bin_key).decode()))
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/events/$"))
    context.close()
