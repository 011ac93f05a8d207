"""Two-factor login in the browser, as a person with an authenticator app does it."""

import re
from base64 import b32decode

from django_otp.oath import TOTP


def current_code(secret: str) -> str:
    return f"{TOTP(b32decode(secret.replace(' ', ''))).token():06d}"


def enrol(page) -> list[str]:
    """On the enrolment page: read the secret shown as text, type the app's code, keep
    the recovery codes, continue. Returns the recovery codes."""
    page.wait_for_url(re.compile(r".*/accounts/2fa/setup/.*"))
    assert page.locator(".qr svg").count() == 1
    secret = page.inner_text("code.secret")
    page.fill("input[name=code]", current_code(secret))
    page.click("button.primary")
    page.wait_for_selector(".recovery-codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    page.click("text=我已保存,继续")
    return codes
