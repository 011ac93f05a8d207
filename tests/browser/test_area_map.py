import re

import pytest

from governance.roles import Role

from .twofactor import enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    enrol(page)  # a province leader sets up two-factor login at the first login
    page.wait_for_url(re.compile(r".*/$"))


def test_province_leader_drills_down_from_province_to_grid(
    demo_areas, live_server, page, make_user, artifact
):
    make_user(Role.PROVINCE_LEADER, "220000000000", "sheng_lingdao")
    login(page, live_server.url, "sheng_lingdao", "Test@2026pass")
    page.click("text=区域与网格")
    page.wait_for_url(re.compile(r".*/grids/areas/220000000000/$"))
    assert "吉林省" in page.inner_text("#area-title")

    expected_levels = ["市", "县(区)", "乡镇(街道)", "村(社区)", "网格"]
    for step, level_name in enumerate(expected_levels):
        page.wait_for_selector("#map[data-loaded]")
        loaded = page.get_attribute("#map", "data-loaded")
        assert loaded not in ("error", "0"), f"map failed at step {step}: {loaded}"
        page.screenshot(path=artifact(f"area-map-level{step + 1}.png"))
        before = page.url
        # Click a child's polygon on the map (an SVG path drawn by Leaflet). The event is
        # dispatched on the path itself: its bounding-box centre may lie outside a
        # concave polygon.
        page.locator("#map path.leaflet-interactive").first.dispatch_event("click")
        page.wait_for_url(lambda url, before=before: url != before)
        assert level_name in page.inner_text("#area-title"), page.inner_text("#area-title")

    assert re.search(r"/grids/areas/\d{15}/$", page.url)
    page.wait_for_selector("#map[data-loaded]")
    page.screenshot(path=artifact("area-map-level6.png"), full_page=True)
    assert "网格" in page.inner_text("#area-title")
