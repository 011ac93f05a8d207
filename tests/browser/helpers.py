"""Steps shared by the browser tests."""

import re

PASSWORD = "Test@2026pass"  # tests.fixtures.PASSWORD, the password of every test user


def login(page, base, username, password=PASSWORD):
    """Log in through the real form and wait for the home page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def login_with_code(page, base, username, password=PASSWORD):
    """The login of a user with two-factor login (leaders, administrators): an enrolled
    authenticator is made for them, then password and its current code through the real
    forms (the enrolment itself has browser tests of its own, test_two_factor.py)."""
    from base64 import b32encode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from governance.models import User
    from governance.twofactor import DEVICE_NAME

    from .twofactor import current_code

    device = TOTPDevice.objects.create(
        user=User.objects.get(username=username), name=DEVICE_NAME, confirmed=True
    )
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/2fa/verify/.*"))
    page.fill("input[name=code]", current_code(b32encode(device.bin_key).decode()))
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/$"))


def phone_context(browser):
    """A browser context of a 360-px touch phone in Chinese."""
    return browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True
    )


def open_menu(page):
    """On a phone the menu (and 退出) sits in a drawer behind 菜单; open it if it is closed."""
    toggle = page.locator("#menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
