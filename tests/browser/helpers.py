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
